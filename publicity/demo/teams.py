"""Demo data: teams."""
# Stub: filled in by its part.


def seed(stdout, **sections) -> None:
    pass
