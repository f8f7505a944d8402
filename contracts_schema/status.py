"""The status colours of a consultation answer (SPEC 5.2): every reason with its colour and meaning."""

from __future__ import annotations

COLOUR_RANK = {"GROEN": 0, "ORANJE": 1, "ROOD": 2}

# (reason, colour, situation) in SPEC order; answers list reasons in this order.
REASONS: tuple[tuple[str, str, str], ...] = (
    ("NOT_KNOWN", "GROEN", "no person found"),
    ("NOT_UNIQUE", "ORANJE", "no single person found"),
    ("UNREACHABLE", "ORANJE", "the person has a code 4 on an ended contract"),
    ("DECEASED", "ORANJE", "the person is reported deceased"),
    ("RUNNING_CLEAN", "GROEN", "a running positive contract without arrears or code"),
    ("ENDED_CLEAN", "GROEN", "an ended positive contract without arrears or code"),
    ("RUNNING_RECOVERED", "ORANJE", "a running positive contract whose arrears were recovered, no other code"),
    ("ENDED_ARREARS", "ORANJE", "an ended positive contract with arrears (recovered or not)"),
    ("ENDED_SPECIAL", "ORANJE", "an ended positive contract with a code 1-5"),
    ("RUNNING_SPECIAL", "ROOD", "a running positive contract with a code 1-5"),
    ("RUNNING_ARREARS", "ROOD", "a running positive contract with an A not followed by an H"),
    ("SR_ENDED", "ORANJE", "an ended debt arrangement"),
    ("SR_RUNNING", "ROOD", "a running debt arrangement"),
    ("RO_REGISTERED", "ROOD", "any other financial obligation, running or ended"),
    ("HY_ENDED_ARREARS", "ORANJE", "an ended mortgage with arrears and no code 5"),
    ("HY_PREVENTIVE", "ORANJE", "a running mortgage with an active code 5"),
    ("HY_RUNNING_ARREARS", "ROOD", "a running mortgage with arrears and no active code 5"),
    ("HY_RUNNING_SPECIAL", "ROOD", "a running mortgage with a code 1-4 and no active code 5"),
    ("HY_ENDED_SPECIAL", "ROOD", "an ended mortgage with a code 1-4 and no code 5"),
)
COLOUR = {r: c for r, c, _ in REASONS}
ORDER = {r: i for i, (r, _, _) in enumerate(REASONS)}
