"""Operating cki: the run report of a night, ``cki status``, ``cki export``, ``cki contract``, the
setup checks, the log file and the progress display.

In: the committed register (read only, under the readers' lock), the workspace's folders and the
night's results. Out: reports, log lines, progress, status lines and exit codes, exported
snapshots; never a change to the register.

Called by ``pipeline.cli``, ``pipeline.commands``, the night and the scheduler; ``apply`` uses
``logs`` and ``progress``. Imports ``register``, ``outbox``, ``intake`` (printable names),
``pipeline.barometer.asof`` (the register as it stood on a date) and the foundation modules.
"""
