"""Demo question bank and exams (stub, filled in by its owner)."""


def seed(stdout) -> None:
    pass
