"""A chunk's NEW records attached to persons, their borrower links, and the person reports.

A NEW row is matched against the persons registered before the night (and, to choose among
namesakes, the addresses they have, also those reported earlier tonight: a chunk without
namesakes reads no address); a row matching nobody gets the night's new person of
its key (``NightPersons``). Every person report (NEW, a CHANGE with person fields, a death) goes
to the night's resolution, which folds them into their persons after the last chunk.
"""

from __future__ import annotations

import polars as pl

from contracts_schema.columns import PERSON_FIELDS
from pipeline.apply.contractids import with_ids
from pipeline.apply.nightpersons import NightPersons
from pipeline.apply.persons import MATCH, attach, id_bucket, reported_addresses
from pipeline.apply.tonight import StoredTable
from pipeline.register.state import ADDRESSES_SCHEMA, CONTRACT_KEY, MT, PERSONS_SCHEMA
from pipeline.register.store import Register, narrowing_on
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.normalize import with_match_keys

NARROW_KEY = ["surname_key", "birth_date"]    # narrows the persons read; the join on MATCH decides


class PersonLinks:
    """The night's person matching and borrower links, chunk by chunk."""

    def __init__(self, reg: Register, persons: NightPersons, borrowers: StoredTable) -> None:
        self.reg, self.persons, self.borrowers = reg, persons, borrowers
        self.persons_committed = bool(reg.manifest.tables.get("persons"))
        self.addresses: list[pl.DataFrame] = []        # reported tonight for registered persons

    def link(self, accepted: pl.DataFrame, keys: pl.DataFrame, erase_keys: pl.DataFrame,
             ids: pl.DataFrame) -> pl.DataFrame:
        """Attach the chunk's NEW rows, record their borrower links (with their contract's id,
        ``ids``), hand the person reports to the night's resolution; the warnings (findings)
        attaching made."""
        new = with_match_keys(accepted.filter(MT == "NEW"))
        near = self._persons_matching(new)
        result = attach(new, near, self._addresses_of(near))
        new = new.with_columns(self.persons.person_ids(result.rows))
        self.borrowers.drop(erase_keys)
        links = new.select(*CONTRACT_KEY, "borrower_no", "person_id", pl.col("event_date").alias("valid_from"))
        self.borrowers.add(with_ids(links, ids))
        self._reports(accepted, new, keys)
        return result.warnings.collect().cast(FINDING_SCHEMA)

    def _reports(self, accepted: pl.DataFrame, new: pl.DataFrame, keys: pl.DataFrame) -> None:
        """NEW rows, CHANGEs that report person fields, and deaths, by the person they concern.
        Only a CHANGE or a death needs the borrower links of the chunk's contracts (``keys``): a
        chunk with neither (an initial load's) lists none."""
        order = ["person_id", "event_date", "file_idx", "line_no"]
        updates = new.select(*order, *PERSON_FIELDS)
        reports_person = pl.any_horizontal(pl.col(PERSON_FIELDS).is_not_null())
        changes = accepted.filter((MT == "CHANGE") & reports_person)
        deaths = accepted.filter(MT == "DECEASED")
        if needs_links(changes, deaths):
            link = self.borrowers.rows_of(keys).select(*CONTRACT_KEY, "borrower_no", "person_id")
            on = [*CONTRACT_KEY, "borrower_no"]
            updates = pl.concat([updates, changes.join(link, on=on).select(*order, *PERSON_FIELDS)])
            deaths = deaths.join(link, on=on)
        else:
            deaths = deaths.with_columns(pl.lit(None, dtype=pl.Int64).alias("person_id"))    # no rows
        bucket = id_bucket(pl.col("person_id"))
        self.persons.add(updates.with_columns(bucket), deaths.select("person_id", "event_date", bucket))
        if self.persons_committed:     # for namesakes in later chunks: registered persons' new addresses
            self.addresses.append(reported_addresses(updates.filter(pl.col("person_id") < self.persons.first_id)))

    def _persons_matching(self, new: pl.DataFrame) -> pl.DataFrame:
        """Every registered person with the match key of a NEW row. The reader keeps only persons
        whose surname and birth date hash like a NEW row's (``narrowing_on``, as the consultation
        does), so the join holds about as many persons as the chunk has NEW rows, not the
        register's 7.3 M (decision 121)."""
        if not self.persons_committed or new.height == 0:
            return pl.DataFrame(schema={c: PERSONS_SCHEMA[c] for c in ["person_id", *MATCH]})
        wanted = new.select(MATCH).unique()
        return (self.reg.scan("persons").filter(narrowing_on(wanted, NARROW_KEY)).select("person_id", *MATCH)
                .join(wanted.lazy(), on=MATCH, how="semi").collect())

    def _addresses_of(self, persons: pl.DataFrame) -> pl.DataFrame:
        """The known addresses (committed and reported tonight) of those of ``persons`` that share
        their match key with another: ``attach`` asks an address only to choose among namesakes,
        so a chunk without namesakes reads no addresses (the night reads them again to resolve)."""
        namesakes = persons.filter(pl.len().over(MATCH) > 1)
        if namesakes.height == 0:
            return pl.DataFrame(schema=ADDRESSES_SCHEMA)
        mine = pl.col("person_id").is_in(namesakes["person_id"].implode())
        committed = self.reg.scan("addresses").filter(mine).collect()
        return pl.concat([committed, *[a.filter(mine) for a in self.addresses]], how="vertical_relaxed")


def needs_links(changes: pl.DataFrame, deaths: pl.DataFrame) -> bool:
    """Whether a chunk's person reports need its borrower links: only a CHANGE or a death
    names its person through them."""
    return bool(changes.height or deaths.height)
