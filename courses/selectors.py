"""Reads of courses that span relations: the public catalog and a course's lessons.

Page models call these from get_context, so this module refers to them as `models.X` at
call time rather than importing the classes (models imports this module).
"""

from collections import Counter

from django.db.models import QuerySet

from wagtail.models import Page

from cms.models import HazardType

from . import models


def courses_live(index: Page) -> QuerySet["models.CoursePage"]:
    """The live, public courses of a catalog, in the catalog's page order."""
    return models.CoursePage.objects.child_of(index).live().public().order_by("path")


def lessons_live(course: Page) -> QuerySet["models.LessonPage"]:
    """The live, public lessons of a course, in the course's page order."""
    return models.LessonPage.objects.child_of(course).live().public().order_by("path")


def catalog_courses(index: Page, hazard_category: str = "") -> list["models.CoursePage"]:
    """Live courses for the catalog, each with `lesson_count` (its live lessons) set."""
    courses = courses_live(index).select_related("cover_image")
    if hazard_category:
        courses = courses.filter(hazard_category=hazard_category)
    courses = list(courses)
    # One query for every course's lessons: a lesson's parent path is its path minus a step.
    lesson_paths = (
        models.LessonPage.objects.descendant_of(index)
        .live()
        .public()
        .values_list("path", flat=True)
    )
    counts = Counter(path[: -Page.steplen] for path in lesson_paths)
    for course in courses:
        course.lesson_count = counts[course.path]
    return courses


def catalog_hazards(index: Page) -> list[tuple[str, str]]:
    """The hazard categories that live courses of the catalog cover, in HazardType order."""
    present = set(courses_live(index).values_list("hazard_category", flat=True))
    return [(value, label) for value, label in HazardType.choices if value in present]


def lesson_neighbours(lesson: "models.LessonPage") -> dict:
    """The lesson's course, its number in the course, and the live lessons before and after."""
    course = lesson.get_parent().specific
    lessons = list(lessons_live(course))
    position = next((n for n, each in enumerate(lessons) if each.pk == lesson.pk), None)
    if position is None:  # a draft previewed in the admin: not in the live list
        return {"course": course, "lesson_number": None, "lesson_total": len(lessons)}
    return {
        "course": course,
        "lesson_number": position + 1,
        "lesson_total": len(lessons),
        "previous_lesson": lessons[position - 1] if position > 0 else None,
        "next_lesson": lessons[position + 1] if position + 1 < len(lessons) else None,
    }
