"""The views behind the routes of the top-ten and contest pages (RoutablePageMixin).

Each takes the request and the page it was routed through; the page models only declare
the routes and call these.
"""

from .contest import (
    contest_entry,
    contest_overview,
    contest_results,
    contest_submit,
    contest_video,
    contest_vote,
)
from .topten import top_ten

__all__ = [
    "contest_entry",
    "contest_overview",
    "contest_results",
    "contest_submit",
    "contest_video",
    "contest_vote",
    "top_ten",
]
