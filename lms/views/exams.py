"""Taking quizzes and exams on a phone: the exam's rules, the attempt page, the result.

The attempt page holds every question in one form. Each change is saved at once through
the API by lms/static/lms/exam.js; without JavaScript the form's POST saves every answer
(and submits when asked), so nothing depends on the script. The countdown starts from the
seconds the server computed; the deadline itself is enforced by the services, not the page.
An attempt is its member's alone: anyone else gets 404. The key and the explanations reach
the page only on a result whose review the exam's policy allows.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.models import Exam, ExamKind, QuestionType, SelectionMode
from lms.errors import DomainError
from lms.models import Attempt, AttemptStatus
from lms.services.attempts import (
    AttemptClosedError,
    answer_save,
    attempt_close_if_expired,
    attempt_paper,
    attempt_start,
    attempt_start_refusal,
    attempt_submit,
    review_allowed,
    seconds_left,
)

from .learn import _member, _not_on_roster


def _exams():
    return Exam.objects.select_related("course", "lesson").filter(active=True, course__live=True)


def _own_attempt(request: HttpRequest, attempt_pk: int) -> Attempt:
    """The signed-in member's attempt, or 404 (for a leader or an administrator too)."""
    attempts = Attempt.objects.filter(member__user=request.user).select_related(
        "exam", "exam__course", "exam__lesson"
    )
    return get_object_or_404(attempts, pk=attempt_pk)


def _question_count(exam: Exam) -> int:
    if exam.selection == SelectionMode.FIXED:
        return exam.fixed_questions.filter(question__active=True).count()
    return exam.draw_rules.aggregate(n=Sum("count"))["n"] or 0


def _back_url(exam: Exam) -> str:
    if exam.kind == ExamKind.QUIZ and exam.lesson_id:
        return reverse("learn:lesson", args=[exam.lesson_id])
    return reverse("learn:course", args=[exam.course_id])


@never_cache
@login_required
def exam_detail(request: HttpRequest, exam_pk: int) -> HttpResponse:
    """The rules, the attempts so far, and the button to start (or continue)."""
    exam = get_object_or_404(_exams(), pk=exam_pk)
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    attempts = list(Attempt.objects.filter(member=member, exam=exam).order_by("-number"))
    open_attempt = next((a for a in attempts if a.is_open), None)
    if open_attempt is not None and not attempt_close_if_expired(attempt=open_attempt).is_open:
        open_attempt = None
        attempts = list(Attempt.objects.filter(member=member, exam=exam).order_by("-number"))
    used = len(attempts)
    limit = exam.max_attempts if exam.kind == ExamKind.FINAL else 0
    return render(
        request,
        "lms/learn/exam_detail.html",
        {
            "exam": exam,
            "course": exam.course,
            "back_url": _back_url(exam),
            "attempts": attempts,
            "open_attempt": open_attempt,
            "refusal": None if open_attempt else attempt_start_refusal(member=member, exam=exam),
            "question_count": _question_count(exam),
            "attempts_used": used,
            "attempts_limit": limit,
            "passed": any(a.passed for a in attempts),
        },
    )


@never_cache
@login_required
@require_POST
def exam_start(request: HttpRequest, exam_pk: int) -> HttpResponse:
    exam = get_object_or_404(_exams(), pk=exam_pk)
    member = _member(request)
    if member is None:
        return _not_on_roster(request)
    try:
        attempt = attempt_start(member=member, exam=exam)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("learn:exam", exam_pk=exam.pk)
    if attempt.resumed:
        messages.info(request, _("已为您恢复上次未交卷的作答，已保存的答案都在。"))
    return redirect("learn:attempt", attempt_pk=attempt.pk)


def _posted_choices(request: HttpRequest, position: int) -> list[int] | None:
    """The options ticked for a question in the posted form; None if a value is not a number."""
    try:
        return [int(value) for value in request.POST.getlist(f"q{position}")]
    except ValueError:
        return None


def _save_form(request: HttpRequest, attempt: Attempt) -> tuple[int, bool]:
    """Save every answer of the posted form that differs from what is stored.

    Returns (how many were saved, whether the attempt had already closed). A radio left
    blank saves nothing; a multiple choice with nothing ticked clears its answer.
    """
    saved = 0
    now = timezone.now()
    for question in attempt_paper(attempt):
        choices = _posted_choices(request, question.position)
        if choices is None:
            continue
        if question.type != QuestionType.MULTIPLE and not choices:
            continue
        if sorted(choices) == (question.response or []):
            continue
        try:
            answer_save(attempt=attempt, position=question.position, choices=choices, now=now)
        except AttemptClosedError:
            return saved, True
        except DomainError as error:
            messages.error(
                request, _("第 %(n)s 题：%(reason)s") % {"n": question.position, "reason": error}
            )
            continue
        saved += 1
    return saved, False


@never_cache
@login_required
def attempt_detail(request: HttpRequest, attempt_pk: int) -> HttpResponse:
    """The attempt page; its form POST saves every answer, and submits on 交卷."""
    attempt = _own_attempt(request, attempt_pk)
    if request.method == "POST" and attempt.is_open:
        submitting = request.POST.get("action") == "submit"
        saved, closed = _save_form(request, attempt)
        if submitting or closed:
            attempt = attempt_submit(attempt=attempt)
            if attempt.status == AttemptStatus.TIMED_OUT:
                messages.warning(request, _("作答时间已到，已按截止前保存的答案自动交卷。"))
            else:
                messages.success(request, _("已交卷。"))
            return redirect("learn:attempt_result", attempt_pk=attempt.pk)
        messages.success(request, _("已保存 %(n)s 题的作答。") % {"n": saved})
        return redirect("learn:attempt", attempt_pk=attempt.pk)
    attempt = attempt_close_if_expired(attempt=attempt)
    if not attempt.is_open:
        if attempt.status == AttemptStatus.TIMED_OUT and request.method == "GET":
            messages.warning(request, _("作答时间已到，已按截止前保存的答案自动交卷。"))
        return redirect("learn:attempt_result", attempt_pk=attempt.pk)
    paper = attempt_paper(attempt)
    return render(
        request,
        "lms/learn/exam_attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "paper": paper,
            "answered": sum(1 for q in paper if q.response),
            "seconds_left": seconds_left(attempt),
            # The autosave URL without its last part (the position), which the script adds.
            "api_base": reverse(
                "api-v1:answer_put", kwargs={"attempt_id": attempt.pk, "position": 0}
            )[:-1],
            "multiple": QuestionType.MULTIPLE,
        },
    )


@never_cache
@login_required
def attempt_result(request: HttpRequest, attempt_pk: int) -> HttpResponse:
    attempt = attempt_close_if_expired(attempt=_own_attempt(request, attempt_pk))
    if attempt.is_open:
        return redirect("learn:attempt", attempt_pk=attempt.pk)
    reveal = review_allowed(attempt)
    paper = attempt_paper(attempt, reveal=reveal)
    exam = attempt.exam
    used = Attempt.objects.filter(member_id=attempt.member_id, exam=exam).count()
    limit = exam.max_attempts if exam.kind == ExamKind.FINAL else 0
    return render(
        request,
        "lms/learn/exam_result.html",
        {
            "attempt": attempt,
            "exam": exam,
            "paper": paper,
            "reveal": reveal,
            "correct_count": sum(1 for q in paper if q.is_correct),
            "back_url": _back_url(exam),
            "may_retry": not limit or used < limit,
        },
    )


urlpatterns = [
    path("exams/<int:exam_pk>/", exam_detail, name="exam"),
    path("exams/<int:exam_pk>/start/", exam_start, name="exam_start"),
    path("attempts/<int:attempt_pk>/", attempt_detail, name="attempt"),
    path("attempts/<int:attempt_pk>/result/", attempt_result, name="attempt_result"),
]
