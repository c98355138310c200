"""Who may author which course, and who grants courses to trainers.

Trainers (培训师) author only the courses granted to them (a CourseGrant); reviewers (审核员)
and superusers author any course and manage the grants. The admin hooks in wagtail_hooks.py
apply these rules.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from wagtail.models import Page
from wagtail.permission_policies import BasePermissionPolicy

from cms.roles import REVIEWERS, TRAINERS

from .models import CourseIndexPage, CoursePage, LessonPage


def is_grant_restricted(user: AbstractBaseUser) -> bool:
    """Trainers author only the courses granted to them; reviewers and superusers, any."""
    if not user.is_authenticated or user.is_superuser:
        return False
    names = set(user.groups.values_list("name", flat=True))
    return TRAINERS in names and REVIEWERS not in names


def is_grant_manager(user: AbstractBaseUser) -> bool:
    """Reviewers and superusers grant courses to trainers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=REVIEWERS).exists()


def grant_managers() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=REVIEWERS))
        .distinct()
    )


def course_of(page: Page) -> CoursePage | None:
    """The course a page belongs to: itself if a course, its course if a lesson, else None."""
    return CoursePage.objects.ancestor_of(page, inclusive=True).first()


def is_course_content(page: Page) -> bool:
    """Whether the page is the catalog, a course or a lesson."""
    return issubclass(page.specific_class or Page, (CourseIndexPage, CoursePage, LessonPage))


def user_may_author(user: AbstractBaseUser, page: Page) -> bool:
    """Whether the user may change `page` as course content (other pages: not our concern).

    A restricted trainer may author a course granted to them and its lessons, never the
    catalog page itself; everyone else is left to Wagtail's page permissions.
    """
    if not is_grant_restricted(user) or not is_course_content(page):
        return True
    course = course_of(page)
    return course is not None and course.grants.filter(user=user).exists()


def hidden_course_paths(user: AbstractBaseUser) -> list[str]:
    """Tree paths of the courses a restricted trainer may not author (none for others)."""
    if not is_grant_restricted(user):
        return []
    return list(CoursePage.objects.exclude(grants__user=user).values_list("path", flat=True))


class CourseGrantPermissionPolicy(BasePermissionPolicy):
    """Reviewers and superusers manage grants, whatever model permissions their groups hold."""

    def user_has_permission(self, user, action):
        return is_grant_manager(user)

    def user_has_any_permission(self, user, actions):
        return is_grant_manager(user)

    def users_with_any_permission(self, actions):
        return grant_managers()

    def users_with_permission(self, action):
        return grant_managers()
