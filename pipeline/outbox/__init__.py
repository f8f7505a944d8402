"""What leaves the register: return files, their names, and the publication after the commit.

In: per delivery its result, findings and answer frames; the ledger of answer names; after the
commit, the committed manifest's publish plan. Out: staged files under ``outbox/.staging/``,
then (``publish``) the participants' ``outbox/<P>/`` files, the archived deliveries, the expired
return files deleted and the erased rows scrubbed from archived files (``scrub``).

- ``returns``      ``result.json``, ``errors.csv`` and the staging folder
- ``spreadsheet``  ``errors.xlsx`` beside ``errors.csv``; ``sheetxml`` builds its rows with Polars
- ``answers``      the name each delivery's answer gets, and which names are taken
- ``publish``      the roll-forward after the commit; ``scrub`` the erasure outside the register

Called by the night, the dry run, ``pipeline.commands`` and ``ops`` (report, status, contract).
Imports ``register``, ``rules`` (messages), ``intake`` (the delivery) and the foundation modules.
"""
