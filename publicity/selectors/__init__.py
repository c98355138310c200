"""Reads of the public pages about teams, one module per part.

Page models call these from get_context and their routes, so these modules reach the
page classes through relations (`team.public_pages`, `team.stories`, `index.get_children()`)
or `apps.get_model`, rather than importing them.
"""

from .contest import contest_source, contests
from .teams import (
    stories_about,
    stories_for_index,
    story_team_pages,
    team_directory,
    team_public_figures,
)

__all__ = [
    "contest_source",
    "contests",
    "stories_about",
    "stories_for_index",
    "story_team_pages",
    "team_directory",
    "team_public_figures",
]
