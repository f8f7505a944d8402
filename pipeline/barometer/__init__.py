"""Barometers (SPEC 7): per reference date, counts as the register stood on that date.

In: the register's contract, borrower, code, person and address tables (as tonight leaves them)
and the pc4 → gemeente table. Out: the rows of the seven tables of
``contracts_schema.barometer`` for each reference date produced, suppressed against disclosure,
plus the history files and ``barometer.html`` for ``outbox/barometer/``.

Called by the night (the reference dates it owes) and ``cki barometer``
(``pipeline.night.restate_barometer``). Imports ``pipeline.register.state``, ``pipeline.config``
and ``pipeline.errors``; it reads tables through the scan it is handed and opens no register file.
"""
