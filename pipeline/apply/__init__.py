"""Apply (DESIGN 2): a night's valid mutation records → the plan of the register's new rows.

In: the accepted deliveries of type MUT and INIT (``pipeline.intake``), the register as last
committed, the night's rules, and the transaction's ``Holding`` for what a big night cannot keep
in memory. Out: every record's findings (``mutations.Checked``) and a ``register.plan.Plan``: per
table the stored rows superseded and tonight's rows, the persons, the events and the erasure it
asks for. It writes no register file; the night hands the plan to the transaction.

- ``mutations``     the night's chunks, in order: validate, rank, apply, hold what no longer fits
- ``chunking``      the night's text gathered and split into chunks by contract
- ``ranks``         one rank at a time: the k-th report of every contract in one vectorised step
- ``linking``       NEW records attached to persons, borrower links, person reports
- ``persons``       matching and folding person reports; ``nightpersons`` numbers new persons
- ``keyindex``      keys numbered as they come, found again through a sorted u64 hash
- ``versions``      the closed versions a chunk adds to the contract history
- ``codes``         the codes a chunk adds and ends
- ``events``        tonight's events, the audit trail, chunk by chunk
- ``tonight``       the register as tonight's earlier chunks left it: parts, spills, memory
- ``keyedtable``    tonight's rows per key in memory, found by key hash and participants

Called by the night only (``pipeline.night``). Imports ``rules``, ``register``, ``intake``
(the delivery), ``ops.logs`` and ``ops.progress``.
"""
