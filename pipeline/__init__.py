"""cki: the nightly batch processor of the credit register.

A night's stages are packages (DESIGN 2 and 4): ``intake`` → ``rules`` → ``apply`` → ``consult``
→ ``barometer`` → ``register`` (the commit) → ``outbox`` (the publication); ``ops`` operates it.
At the top: the front ends (``cli``, ``commands``, ``schedule``), the orchestration (``night``,
``dryrun``, ``demo_data``, ``demo_history``) and the foundation any package may import
(``config``, ``cron``, ``errors``, ``faults``, ``fsio``). Who may import whom, and who may open
register files: ``tests/test_imports.py``.
"""

__version__ = "0.1.0"
