"""Operating cki: the run report of a night and ``cki status``."""
