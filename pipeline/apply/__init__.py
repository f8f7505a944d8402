"""Apply (DESIGN 2): a night's valid mutation records → the register's new rows, chunk by chunk.

In: the accepted deliveries of type MUT and INIT (``pipeline.intake``), the register as last
committed, and the night's rules. Out: findings per record and a ``mutations.MutationOutcome``:
per table the superseded (part, row) positions and the new rows, persons attached, the erasure
it asks for; the night hands these to the register's transaction.

- ``mutations``     the night's chunks: validate, rank, apply, spill what no longer fits memory
- ``ranks``         one rank at a time: the k-th report of every contract in one vectorised step
- ``persons``       NEW records attached to persons; moves; ``nightpersons`` numbers new ones
- ``tonight``       the register as tonight's earlier chunks left it

Called by the night only (``pipeline.night``). Imports ``rules``, ``register``, ``intake``
(the delivery), ``ops.logs`` and ``ops.progress``.
"""
