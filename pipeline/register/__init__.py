"""The register (DESIGN 3): Parquet parts named by one manifest, one writer at a time.

In: a night's plan of table changes (``plan.Plan``: replace, patch or append per table, and the
erasure), carried out by ``transaction.Transaction``, the one writer of register files, and the
publication it plans (``manifest.PublishPlan``). Out: one committed version to read
(``store.Register``, under ``store.reading``), and ``register/CURRENT`` swapped atomically.

- ``plan``       a night's changes as frozen dataclasses, built by the stages with no side effects
- ``store``      tables as parts minus dead rows, read; the locks
- ``transaction`` the one writer: a night's plan, its holding and the commit
- ``segments``   the one way a table is stored, on disk and in memory, and its compaction policy
- ``manifest``   ``register/CURRENT``: the one reader and writer of it, with its format version
- ``state``      the tables' shapes and the key names every stage shares
- ``erase``      what a DELETE or a retention purge takes out, physically, at the commit
- ``retention``  what the run date ends (contracts, consultations, archive and return files)
- ``locks``      the one way cki takes an ``flock``

Called by the night, the dry run and the scheduler, by ``apply`` (tonight's parts), ``consult``
(``cki inzage``), ``outbox`` (the publication, the ledger) and ``ops`` (status, export, contract);
every stage may import ``state``. It imports only the foundation modules (``pipeline.errors``,
``pipeline.faults``, ``pipeline.fsio``) and ``contracts_schema``. Only this package, ``fsio``
and the modules ``tests/test_imports.py`` lists with a reason open register files.
"""
