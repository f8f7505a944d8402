"""cki: the nightly batch processor of the credit register."""

__version__ = "0.1.0"
