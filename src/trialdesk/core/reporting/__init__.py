"""Pure report computations over a :class:`StudySnapshot` (no I/O, no plotting)."""
