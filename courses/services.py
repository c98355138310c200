"""Every write of the courses app that is not a Wagtail page edit: course grants."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms.roles import TRAINERS

from .errors import CourseError
from .models import CourseGrant, CoursePage


@transaction.atomic
def course_grant_create(
    *,
    course: CoursePage,
    user: AbstractBaseUser,
    granted_by: AbstractBaseUser | None = None,
) -> CourseGrant:
    """Let a trainer author a course and its lessons; a grant that exists is returned as is."""
    existing = CourseGrant.objects.filter(course=course, user=user).first()
    if existing:
        return existing
    if not user.is_active or not user.groups.filter(name=TRAINERS).exists():
        raise CourseError(_("只能授权给培训师组中的有效账号。"), field="user")
    grant = CourseGrant(course=course, user=user, granted_by=granted_by)
    try:
        grant.full_clean()
    except ValidationError as exc:
        raise CourseError(" ".join(exc.messages)) from exc
    grant.save()
    return grant


@transaction.atomic
def course_grant_update(
    *, grant: CourseGrant, course: CoursePage, user: AbstractBaseUser
) -> CourseGrant:
    """Point a grant at another course or trainer (who granted it, and when, are kept)."""
    if not user.is_active or not user.groups.filter(name=TRAINERS).exists():
        raise CourseError(_("只能授权给培训师组中的有效账号。"), field="user")
    grant.course = course
    grant.user = user
    try:
        grant.full_clean()
    except ValidationError as exc:
        raise CourseError(" ".join(exc.messages)) from exc
    grant.save(update_fields=["course", "user"])
    return grant
