"""Demo drills, training sessions, service hours and plans (stub, filled in by its owner)."""


def seed(stdout) -> None:
    pass
