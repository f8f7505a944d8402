"""Operating cki: the run report of a night, ``cki status``, the log file and the progress display."""
