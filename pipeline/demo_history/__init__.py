"""Earlier nights for `cki demo`: sixteen months of deliveries, so the barometers have a trend.

A barometer (SPEC 7) is produced per reference date by the first night after it, from the register
as it stood on that date, from the first quarter end on or after the register's first run. One
demo night has no past, so `cki demo` first runs a night a month for the 16 months before its run
date (all dates relative to it): at least five quarter ends are then produced. This module makes
those nights' deliveries. Three participants that exist only for the history (BANK2, KREDIET2,
LEASE2) load an INIT portfolio on the first night and deliver one MUT file on every later one, so
the run date's own deliveries (`demo_data`) and their sequence numbers stay exactly as they are.

About 2,000 persons with 2,500 contracts, most of them in Amsterdam, Rotterdam, 's-Gravenhage
and Utrecht (counts at or above `min_cell_size`), some in smaller gemeenten (suppressed) and a
few at a postcode the pc4 table lacks (gemeente ONBEKEND), aged 20 to 85 on the run date. Month
by month: new credits, arrears (A) arising and recovering (H), ends, mortgages (HY, registered
only with their arrears), residual debts (RH, RN), moves, joint contracts. Every record is meant
to be accepted: the rules of `contracts_schema` hold by construction (a MUT event lies 1 to 27
days before its night, an A only after its type's period, an H only after an A, an END last),
and an event that cannot meet them (an A whose period has not passed by the last night) is left
out. Everything is drawn with Polars from one seed, column by column, so a run date always gives
the same files.

In: the demo's run date. Out: the history nights' dates and their delivery files (``History``),
the context that holds tonight's deliveries aside while they run (``held_back``) and a summary
line per night. Called by ``cki demo`` (``pipeline.commands``); imports ``pipeline.demo_data``
(its pc4 table, persons and file writer) and may import anything, as a demo does. The draws and
dates are ``dice``'s, the persons ``people``'s, the contracts and their events ``contracts``',
their delivery rows ``records``'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipeline.demo_data import write_frame
from pipeline.demo_history.contracts import amounts, arrears, contracts, ends, moves, recoveries, starts
from pipeline.demo_history.dice import MONTHS, SEED, Dice, Timeline, history_nights
from pipeline.demo_history.people import N_OWN, N_PARTNERS, persons
from pipeline.demo_history.records import code_rows, end_rows, move_rows, new_rows, partner_rows
from pipeline.night import NightResult

__all__ = ["MONTHS", "History", "held_back", "history", "history_nights", "night_line"]


@dataclass
class History:
    """The history nights' dates and every record they deliver (with `night` and `participant`)."""

    nights: list[date]
    records: pl.DataFrame

    def files(self, night: date) -> dict[str, pl.DataFrame]:
        """That night's delivery of each participant, by file name: the INIT on the first night,
        then MUT files numbered by night."""
        k = self.nights.index(night)
        kind, seq = ("INIT", 1) if k == 0 else ("MUT", k)
        tonight = self.records.filter(pl.col("night") == k).sort("participant", "contract_number", "event_date",
                                                                  "borrower_no", nulls_last=True)
        return {f"{p}_{kind}_{night:%Y%m%d}_{seq:06d}.csv": rows.drop("night")
                for (p,), rows in tonight.partition_by("participant", as_dict=True, maintain_order=True).items()}

    def deliver(self, inbox: Path, night: date) -> None:
        """Drop that night's files in the participants' inboxes."""
        for name, rows in self.files(night).items():
            participant = name.split("_", 1)[0]
            write_frame(inbox / participant / name, participant, rows.drop("participant"))


def history(run_date: date) -> History:
    """The demo's history before run_date: the same records for the same run date, every time."""
    dice, nights = Dice(SEED), history_nights(run_date)
    dates = Timeline(nights, run_date)
    people = persons(dice, N_OWN + N_PARTNERS, run_date)
    frame = contracts(dice, people, run_date)
    for step in (starts, amounts, arrears, recoveries, ends):
        frame = step(dice, frame, dates)
    moved = moves(dice, people, frame, dates)
    first = new_rows(frame, people, moved)
    parts = [first, partner_rows(first, people), code_rows(frame), end_rows(frame), move_rows(moved)]
    return History(nights, pl.concat(parts, how="diagonal_relaxed").drop("partner"))


@contextmanager
def held_back(inbox: Path) -> Iterator[None]:
    """Tonight's deliveries wait beside the inbox (a dot-folder) while the earlier nights run."""
    aside = inbox.parent / ".demo-tonight"
    waiting = [(path, aside / path.parent.name / path.name) for path in sorted(inbox.glob("*/*")) if path.is_file()]
    for path, spot in waiting:
        spot.parent.mkdir(parents=True, exist_ok=True)
        path.rename(spot)
    try:
        yield
    finally:
        for path, spot in waiting:
            path.parent.mkdir(parents=True, exist_ok=True)
            spot.rename(path)
        for folder in [*sorted(aside.glob("*")), aside]:
            if folder.exists():
                folder.rmdir()


def night_line(result: NightResult) -> str:
    """One line for a history night: date, files, records accepted and rejected (and the reason of
    a file rejected whole, such as FILE_DUPLICATE when the demo runs again in the same folder)."""
    accepted = sum(r.accepted for r in result.results)
    rejected = sum(r.rejected for r in result.results)
    whole = sorted({r.file_error[0] for r in result.results if r.file_error})
    note = f"  files rejected whole: {', '.join(whole)}" if whole else ""
    return (f"  {result.run_date}  {len(result.results):>2} files  {accepted:>6,} accepted "
            f"{rejected:>4} rejected{note}")
