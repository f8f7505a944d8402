"""A command that reads the register while a night commits sees one committed version, whole."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta

from pipeline.register.store import DATA, Register, reading
from tests.conftest import PERSON, Workspace, new, record

START = date(2026, 11, 2)


def _night(ws: Workspace, k: int) -> None:
    """Night k adds contract Ck and sets every contract's amount to 1000 + k: in any one version,
    the person's registrations number amount - 1000."""
    rows = [record(f"C{i}", "CHANGE", event_date=str(START + timedelta(days=k)), amount=str(1000 + k))
            for i in range(1, k)]
    rows.append(new(f"C{k}", event_date=str(START + timedelta(days=k)), amount=str(1000 + k)))
    ws.deliver(rows)
    assert ws.run(START + timedelta(days=k)) == 0


def test_a_reader_keeps_the_version_it_opened_until_it_is_done(ws: Workspace) -> None:
    _night(ws, 1)
    _night(ws, 2)
    root = ws.root / "register"
    with reading(root) as reg:
        held = reg.named_files()
        night = threading.Thread(target=_night, args=(ws, 3))
        night.start()
        deadline = time.time() + 60
        while Register(root).version == reg.version and time.time() < deadline:
            time.sleep(0.05)
        assert Register(root).version == reg.version + 1          # the night committed
        time.sleep(0.5)
        assert all((root / DATA / name).exists() for name in held)   # and deleted nothing we may read
        assert reg.read("contracts")["amount"].to_list() == [1002, 1002]
        assert night.is_alive()                                      # it waits for us
    night.join(60)
    assert not night.is_alive()
    assert not all((root / DATA / name).exists() for name in held)   # then it cleaned up


def test_inzage_in_a_loop_while_nights_commit_never_fails_nor_mixes_versions(ws: Workspace) -> None:
    _night(ws, 1)
    nights = threading.Thread(target=lambda: [_night(ws, k) for k in range(2, 9)])
    nights.start()
    seen = []
    while nights.is_alive() or not seen:
        proc = ws.cki("inzage", "--surname", PERSON["birth_surname"], "--initials", PERSON["initials"],
                      "--birth-date", PERSON["birth_date"], "--config", str(ws.config), "--json")
        assert proc.returncode == 0, proc.stderr
        regs = json.loads(proc.stdout)["registrations"]
        amounts = {r["amount"] for r in regs}
        assert amounts == {1000 + len(regs)}, regs
        seen.append(len(regs))
    nights.join()
    assert len(seen) >= 2
