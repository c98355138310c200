"""Reads of the team directory, team pages and stories."""
# Stub: filled in by the team pages and stories part.


def team_directory(index, params) -> dict:
    raise NotImplementedError


def team_public_figures(team) -> dict:
    raise NotImplementedError


def stories_about(team):
    raise NotImplementedError
