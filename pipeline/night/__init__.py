"""One nightly run: intake → validate → apply → stage → commit → publish (DESIGN 2).

In: the inbox's deliveries, the register as last committed, config.yaml and the run date. Out: a
committed register, the outbox's return files and answers, the archive, the run report
(``NightResult``) and the barometers of the reference dates the night owes.

- ``run``         the stages in order, each timed, under the register's lock
- ``evaluate``    every delivery checked, every record applied to a plan, every request
                  answered; nothing written
- ``retention``   tonight's purge added to the plan, and its counts
- ``commit``      the plan carried out, the return files staged, the ledger, the commit
- ``barometers``  the reference dates a night owes, counted on a thread from the moment the
                  plan is final (beside the requests and the writes); ``cki barometer``'s restatement
- ``recovery``    a crashed run's publication finished first; a full disk after the commit

Called by the front ends (``commands``, ``dryrun``, ``demo``). Imports anything: it is the
orchestration, which no stage imports.
"""

from pipeline.night.barometers import restate_barometer
from pipeline.night.evaluate import consult, evaluate
from pipeline.night.run import run_night
from pipeline.ops.report import NightResult

__all__ = ["NightResult", "consult", "evaluate", "restate_barometer", "run_night"]
