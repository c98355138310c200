"""Trainers author only the courses granted to them; reviewers grant them in the admin.

Wagtail's page permissions (cms.roles) let trainers add and change pages anywhere; these
hooks narrow that for course content. A trainer who is not a reviewer or superuser may
change a course and its lessons only with a CourseGrant, may start a new course (and is
granted it at once), and does not see other courses in the explorer. Nobody copies a whole
course: the copy would repeat its unique code. Refusals look like Wagtail's own: back to the
dashboard with a message (a 403 for background requests).

The question bank, its categories and the exams are snippets in the "题库与考试" menu
(courses.viewsets), managed by whoever holds their model permissions (cms.roles gives them
to trainers and reviewers); import, export and the template are routed by the question
viewset (courses.views_admin).
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from wagtail import hooks
from wagtail.admin import messages
from wagtail.models import Page
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from cms.roles import TRAINERS

from . import permissions, services
from .models import CourseGrant, CourseIndexPage, CoursePage
from .viewsets import CourseGrantViewSet, QuestionBankGroup

# Registered before the viewset asks for a policy (Wagtail would otherwise make a fallback).
register_permission_policy(CourseGrant, permissions.CourseGrantPermissionPolicy(CourseGrant))


@hooks.register("register_admin_viewset")
def register_course_grants():
    return CourseGrantViewSet()


def refuse(request, message=None):
    message = message or _("您没有这门课程的编写授权，请联系审核员授权后再编辑。")
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        raise PermissionDenied(message)
    messages.error(request, message)
    return redirect("wagtailadmin_home")


def _guard(request, page: Page):
    """A refusal response when the user may not author `page`, else None (Wagtail goes on)."""
    if permissions.user_may_author(request.user, page):
        return None
    return refuse(request)


def _guard_destination(request, destination: Page | None):
    # The catalog takes new courses from any trainer; a course takes lessons only from its own.
    if destination is None or issubclass(destination.specific_class or Page, CourseIndexPage):
        return None
    return _guard(request, destination)


@hooks.register("before_edit_page")
def guard_edit(request, page):
    return _guard(request, page)


@hooks.register("before_create_page")
def guard_create(request, parent_page, page_class):
    if issubclass(page_class, CoursePage):
        return None  # a new course: its author is granted it by `grant_created_course`
    return _guard(request, parent_page)


@hooks.register("after_create_page")
def grant_created_course(request, page):
    page = page.specific
    if isinstance(page, CoursePage) and request.user.groups.filter(name=TRAINERS).exists():
        services.course_grant_create(course=page, user=request.user, granted_by=request.user)


@hooks.register("before_delete_page")
def guard_delete(request, page):
    return _guard(request, page)


@hooks.register("before_copy_page")
def guard_copy(request, page):
    if issubclass(page.specific_class or Page, CoursePage):
        # A copy would repeat the course's unique code (Wagtail's copy form cannot change it).
        return refuse(
            request, _("课程编号不能重复，无法复制课程：请新建课程，再把需要的课时复制过去。")
        )
    refusal = _guard(request, page)
    if refusal or request.method != "POST":
        return refusal
    destination_id = request.POST.get("new_parent_page", "")
    destination = (
        Page.objects.filter(pk=destination_id).first() if destination_id.isdigit() else None
    )
    return _guard_destination(request, destination)


@hooks.register("before_move_page")
def guard_move(request, page, destination):
    return _guard(request, page) or _guard_destination(request, destination)


@hooks.register("before_bulk_action")
def guard_bulk_action(request, action_type, objects, action_class_instance):
    for obj in objects:
        if isinstance(obj, Page) and not permissions.user_may_author(request.user, obj):
            return refuse(request)
    if action_type == "move":
        form = getattr(action_class_instance, "cleaned_form", None)
        destination = form.cleaned_data.get("chooser") if form else None
        return _guard_destination(request, destination)
    return None


@hooks.register("construct_explorer_page_queryset")
def hide_other_courses(parent_page, pages, request):
    paths = permissions.hidden_course_paths(request.user)
    if not paths:
        return pages
    return pages.exclude(reduce(or_, (Q(path__startswith=path) for path in paths)))


# -- the question bank and exams ------------------------------------------------------------

register_snippet(QuestionBankGroup)
