"""Reads that span relations: one module per subject, re-exported here."""

from .learning import *  # noqa: F403
from .learning import AreaCourse, CourseMatrix  # noqa: F401
