from .contest import ContestEntry, ContestVote, EntryStatus, JudgeScore
from .pages import (
    ContestCriterion,
    ContestIndexPage,
    ContestPage,
    StoryIndexPage,
    StoryPage,
    TeamIndexPage,
    TeamPage,
    TopTenIndexPage,
)
from .topten import TopTenEntry, TopTenSelection
from .workflow import AreaApprovalTask, page_teams

__all__ = [
    "AreaApprovalTask",
    "ContestCriterion",
    "ContestEntry",
    "ContestIndexPage",
    "ContestPage",
    "ContestVote",
    "EntryStatus",
    "JudgeScore",
    "StoryIndexPage",
    "StoryPage",
    "TeamIndexPage",
    "TeamPage",
    "TopTenEntry",
    "TopTenIndexPage",
    "TopTenSelection",
    "page_teams",
]
