"""Exceptions for when the program cannot go on. Bad data is never an exception: it is a result."""


class CkiError(Exception):
    """A mistake of the user or operator: printed as one line, no traceback."""

    exit_code = 2


class ConfigError(CkiError):
    """config.yaml is missing or wrong; the message names the key."""


class RunLocked(CkiError):
    """Another cki run holds the register lock."""

    exit_code = 3

