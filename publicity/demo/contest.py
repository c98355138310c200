"""Demo data: contest."""
# Stub: filled in by its part.


def seed(stdout, **sections) -> None:
    pass
