"""The learner's pages: my courses, a course, a lesson, and answering a knowledge check.

Reads come from lms.selectors and every write goes through the services; a refusal
(DomainError) is shown to the member as its message. A signed-in person who is on no
team's roster is told so, politely, instead of seeing an error.
"""

import json
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wagtail.models import Page

from courses.models import CoursePage, LessonPage
from lms import selectors
from lms.errors import DomainError
from lms.models import Enrollment, EnrollmentStatus, Member
from lms.scope import scope_for
from lms.services.enrollments import enrollment_self
from lms.services.progress import (
    MAX_SECONDS_PER_REPORT,
    knowledge_check_answer,
    progress_complete,
    progress_open,
)

# When each lesson was last opened, by lesson id, so reported study time can be checked
# against the clock. Only the most recent few are kept.
OPENED_SESSION_KEY = "lms_lessons_opened"
OPENED_KEPT = 20
# A knowledge-check answer is a few dozen bytes; refuse anything much larger unread.
MAX_CHECK_BODY = 4096
MAX_CHOICES = 26


def _member(request: HttpRequest) -> Member | None:
    """The signed-in person's own roster entry. Looked up directly rather than through the
    scope, whose global (superuser) form carries no member id."""
    return Member.objects.select_related("team").filter(user=request.user).first()


def _not_on_roster(request: HttpRequest) -> HttpResponse:
    places = selectors.managed_places(scope_for(request.user))
    return render(request, "lms/learn/not_member.html", {"places": places})


def _live_lesson(lesson_pk: int) -> tuple[LessonPage, CoursePage]:
    """A published lesson of a published course, or 404."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_pk)
    course = CoursePage.objects.live().filter(path=lesson.path[: -Page.steplen]).first()
    if course is None:
        raise Http404
    return lesson, course


def _course_url(course: CoursePage) -> str:
    return reverse("learn:course", args=[course.pk])


def _lesson_url(lesson_pk: int) -> str:
    return reverse("learn:lesson", args=[lesson_pk])


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    return render(
        request,
        "lms/learn/dashboard.html",
        {
            "dashboard": selectors.member_dashboard(member),
            "places": selectors.managed_places(scope_for(request.user)),
        },
    )


@never_cache
@login_required
def course_detail(request: HttpRequest, course_pk: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_pk)
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    outline = selectors.course_outline(member, course)
    return render(request, "lms/learn/course.html", {"course": course, "outline": outline})


@never_cache
@login_required
@require_POST
def course_enroll(request: HttpRequest, course_pk: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_pk)
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    try:
        enrollment_self(member=member, course=course)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("报名成功，开始学习吧！"))
    return redirect(_course_url(course))


def _remember_opened(request: HttpRequest, lesson_pk: int) -> None:
    opened = dict(request.session.get(OPENED_SESSION_KEY, {}))
    opened.pop(str(lesson_pk), None)
    opened[str(lesson_pk)] = int(time.time())
    request.session[OPENED_SESSION_KEY] = dict(list(opened.items())[-OPENED_KEPT:])


def _seconds_reported(request: HttpRequest, lesson_pk: int) -> int:
    """The study time the page's timer reported, no more than the time since the lesson was
    opened (when known) and never more than one report may carry."""
    try:
        seconds = max(0, int(request.POST.get("seconds", "0")))
    except (TypeError, ValueError):
        seconds = 0
    opened_at = request.session.get(OPENED_SESSION_KEY, {}).get(str(lesson_pk))
    if opened_at is not None:
        seconds = min(seconds, max(0, int(time.time()) - int(opened_at)))
    return min(seconds, MAX_SECONDS_PER_REPORT)


@never_cache
@login_required
def lesson_detail(request: HttpRequest, lesson_pk: int) -> HttpResponse:
    lesson, course = _live_lesson(lesson_pk)
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    if not Enrollment.objects.current().filter(member=member, course=course).exists():
        messages.info(request, _("请先报名本课程，再开始学习。"))
        return redirect(_course_url(course))
    try:
        progress = progress_open(member=member, lesson=lesson)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_course_url(course))
    _remember_opened(request, lesson.pk)
    outline = selectors.course_outline(member, course)
    previous, following = outline.neighbours(lesson.pk)
    return render(
        request,
        "lms/learn/lesson.html",
        {
            "lesson": lesson,
            "course": course,
            "outline": outline,
            "previous": previous,
            "following": following,
            "position": outline.position_of(lesson.pk),
            "status": outline.status_of(lesson.pk),
            "checks_passed": set(progress.checks_passed),
        },
    )


@never_cache
@login_required
@require_POST
def lesson_complete(request: HttpRequest, lesson_pk: int) -> HttpResponse:
    lesson, course = _live_lesson(lesson_pk)
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    try:
        progress_complete(
            member=member, lesson=lesson, seconds_spent=_seconds_reported(request, lesson.pk)
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_course_url(course))
    # The time up to now is counted: a second press must not count it again.
    _remember_opened(request, lesson.pk)
    outline = selectors.course_outline(member, course)
    if outline.is_completed:
        messages.success(
            request, _("恭喜！您已完成课程《%(course)s》。") % {"course": course.title}
        )
        return redirect(_course_url(course))
    messages.success(request, _("已完成「%(lesson)s」。") % {"lesson": lesson.title})
    following = outline.next_lesson
    return redirect(_lesson_url(following.pk) if following else _course_url(course))


def _json_error(detail: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _check_payload(body: bytes) -> tuple[str, list[int]]:
    """The block id and choices of a knowledge-check answer; ValueError with a reason."""
    if len(body) > MAX_CHECK_BODY:
        raise ValueError(_("请求内容过大。"))
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(_("请求内容不是有效的 JSON。")) from exc
    if not isinstance(payload, dict):
        raise ValueError(_("请求内容应为 JSON 对象，包含 block_id 和 choices。"))
    block_id = payload.get("block_id")
    if not isinstance(block_id, str) or not block_id or len(block_id) > 64:
        raise ValueError(_("block_id 应为小测编号（字符串）。"))
    choices = payload.get("choices")
    if (
        not isinstance(choices, list)
        or not choices
        or len(choices) > MAX_CHOICES
        or not all(isinstance(c, int) and not isinstance(c, bool) for c in choices)
    ):
        raise ValueError(_("choices 应为所选选项序号（从 1 开始的整数）组成的列表，至少一项。"))
    return block_id, choices


@never_cache
@login_required
@require_POST
def lesson_check(request: HttpRequest, lesson_pk: int) -> JsonResponse:
    """Grade a knowledge-check answer: {"block_id": "…", "choices": [1, 2]} → the verdict."""
    lesson = LessonPage.objects.live().filter(pk=lesson_pk).first()
    course = (
        CoursePage.objects.live().filter(path=lesson.path[: -Page.steplen]).first()
        if lesson
        else None
    )
    if course is None:
        return _json_error(_("没有找到该课时。"), status=404)
    member = _member(request)
    if member is None:
        return _json_error(_("您的账号不在任何队伍的花名册中，无法答题。"), status=403)
    try:
        block_id, choices = _check_payload(request.body)
    except ValueError as error:
        return _json_error(str(error))
    try:
        verdict = knowledge_check_answer(
            member=member, lesson=lesson, block_id=block_id, choices=choices
        )
    except DomainError as error:
        return _json_error(error.message)
    outline = selectors.course_outline(member, course)
    return JsonResponse(
        {
            "correct": verdict["correct"],
            "explanation": verdict["explanation"],
            "correct_choices": verdict["correct_choices"],
            "lesson_done": outline.status_of(lesson.pk) == "done",
            "course_completed": outline.enrollment is not None
            and outline.enrollment.status == EnrollmentStatus.COMPLETED,
            "percent": outline.percent,
        }
    )
