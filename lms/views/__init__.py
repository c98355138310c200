"""Pages outside the Wagtail admin: downloads of team files, learning, progress reports."""

from .downloads import policy_document_download, team_document_download
from .learn import (
    course_detail,
    course_enroll,
    dashboard,
    lesson_check,
    lesson_complete,
    lesson_detail,
)
from .progress import (
    area_assign,
    area_progress,
    job_detail,
    job_status,
    team_assign,
    team_progress,
)

__all__ = [
    "area_assign",
    "area_progress",
    "course_detail",
    "course_enroll",
    "dashboard",
    "job_detail",
    "job_status",
    "lesson_check",
    "lesson_complete",
    "lesson_detail",
    "policy_document_download",
    "team_assign",
    "team_document_download",
    "team_progress",
]
