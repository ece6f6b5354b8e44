"""Linear-algebra algorithms written for the studies, tested against reference implementations."""
