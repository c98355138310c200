"""Demo quiz and exam attempts by demo members (stub, filled in by its owner)."""


def seed(stdout) -> None:
    pass
