"""Exceptions for when the program cannot go on. Bad data is never an exception: it is a result."""


class CkiError(Exception):
    """A mistake of the user or operator: printed as one line, no traceback."""

    exit_code = 2


class ConfigError(CkiError):
    """config.yaml is missing or wrong; the message names the key."""


class RunLocked(CkiError):
    """Another cki run holds the register lock."""

    exit_code = 3


class ManifestError(CkiError):
    """``register/CURRENT`` cannot be read: damaged, or written by a newer cki (a later format version)."""


class DiskFull(CkiError):
    """A write found the disk full. The register is as before the run, or, once the run has
    committed, as after it with its publication left for the next run to finish."""

    exit_code = 4

    def __init__(self, folder: object) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.committed = False

    def __str__(self) -> str:
        first = f"the disk is full: cannot write in {self.folder}. "
        if self.committed:
            return first + ("The night was committed; its return files and archive moves wait. Free space "
                            "and run cki again: the next run finishes them.")
        return first + "The register is unchanged. Free space and run cki again: the next run does the whole night."
