"""Taking quizzes and exams through the API: start or resume, autosave, submit, results.

An attempt is its member's alone: every endpoint looks it up among the caller's own
attempts, so anyone else (a leader, an administrator, another member) gets 404. An open
attempt's questions carry no key and no explanation; a result carries them only when the
exam's review policy allows.
"""

import json

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja import Router, Status

from courses.models import Exam
from lms.errors import DomainError
from lms.models import Attempt, Member
from lms.services.attempts import (
    AttemptClosedError,
    AttemptNotFound,
    answer_save_as,
    attempt_close_if_expired,
    attempt_paper,
    attempt_start,
    attempt_submit,
    review_allowed,
    seconds_left,
)

from .common import is_id, paginated
from .errors import NotFound
from .schemas import Error
from .schemas_exams import (
    AnswerSavedOut,
    AttemptOut,
    AttemptSummaryOut,
    ResultOut,
)

router = Router(tags=["考试"])

# An answer is a handful of small integers; refuse anything much larger unread.
MAX_ANSWER_BODY = 1024


def _not_found() -> NotFound:
    return NotFound(_("未找到该作答记录。"))


def _own_attempts(request: HttpRequest):
    """The caller's own attempts: the same set as scope.own_attempts(), found by the user in
    one join instead of working out the whole scope (four queries) on every autosave."""
    return Attempt.objects.filter(member__user=request.auth)


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    """The caller's attempt `attempt_id`, or 404."""
    attempt = _own_attempts(request).select_related("exam").filter(pk=attempt_id).first()
    if attempt is None:
        raise _not_found()
    return attempt


def _summary(attempt: Attempt) -> dict:
    return {
        "id": attempt.pk,
        "exam": attempt.exam,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
    }


def _options(question) -> list[dict]:
    return [{"key": option.key, "text": option.text} for option in question.options]


def _attempt_output(attempt: Attempt) -> dict:
    """An attempt being taken: questions and options, the saved answers, the clock."""
    return {
        "id": attempt.pk,
        "exam": attempt.exam,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "seconds_left": seconds_left(attempt) if attempt.is_open else 0,
        "submitted_at": attempt.submitted_at,
        "questions": [
            {
                "position": q.position,
                "type": q.type,
                "stem": q.stem,
                "points": q.points,
                "options": _options(q),
                "response": q.response,
                "saved_at": q.saved_at,
            }
            for q in attempt_paper(attempt)
        ],
    }


def _result_output(attempt: Attempt) -> dict:
    reveal = review_allowed(attempt)
    return {
        **_summary(attempt),
        "pass_mark": attempt.exam.pass_mark,
        "review_allowed": reveal,
        "questions": [
            {
                "position": q.position,
                "type": q.type,
                "stem": q.stem,
                "points": q.points,
                "options": _options(q),
                "response": q.response,
                "is_correct": bool(q.is_correct),
                "score": q.score or 0,
                "correct_choices": q.correct_choices,
                "explanation": q.explanation,
            }
            for q in attempt_paper(attempt, reveal=reveal)
        ],
    }


def _closed(exc: DomainError) -> Status:
    return Status(409, {"detail": exc.message, "field": exc.field})


# -- starting and reading ------------------------------------------------------------------


@router.post(
    "/exams/{exam_id}/attempts",
    response={200: AttemptOut, 201: AttemptOut, 400: Error, 404: Error},
    summary="开始或继续作答",
    description=(
        "开始一次作答（201），或返回本人尚未交卷的那一次（200）。题目、选项顺序和截止时间"
        "在开始时由服务器确定。须已报名该考试所属课程。"
    ),
)
def exam_attempt_start(request: HttpRequest, exam_id: int):
    exam = (
        Exam.objects.select_related("course", "lesson")
        .filter(pk=exam_id, active=True, course__live=True)
        .first()
    )
    member = Member.objects.filter(user=request.auth).first()
    if exam is None or member is None:
        raise NotFound(_("未找到该考试。"))
    attempt = attempt_start(member=member, exam=exam)
    return Status(200 if attempt.resumed else 201, _attempt_output(attempt))


@router.get(
    "/attempts/{attempt_id}",
    response={200: AttemptOut, 404: Error},
    summary="作答详情",
    description="题目、按显示顺序的选项、已保存的作答和剩余秒数；不含答案和解析。",
)
def attempt_detail(request: HttpRequest, attempt_id: int):
    attempt = attempt_close_if_expired(attempt=_own_attempt(request, attempt_id))
    return _attempt_output(attempt)


@router.get("/me/attempts", response=list[AttemptSummaryOut], summary="我的作答记录")
@paginated
def my_attempts(request: HttpRequest):
    return _own_attempts(request).select_related("exam").order_by("-started_at", "-pk")


# -- answering and submitting --------------------------------------------------------------


@router.put(
    "/attempts/{attempt_id}/answers/{position}",
    response={200: AnswerSavedOut, 400: Error, 404: Error, 409: Error},
    summary="保存一题的作答（自动保存）",
    description=(
        '请求体 {"choices": [选项编号…]}：单选题和判断题一个，多选题任意个（空列表表示清除）。'
        "格式不对返回 400；已交卷或已过截止时间返回 409，答案不保存。"
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["choices"],
                        "properties": {"choices": {"type": "array", "items": {"type": "integer"}}},
                    }
                }
            },
        }
    },
)
def answer_put(request: HttpRequest, attempt_id: int, position: int):
    # Read by hand rather than by a schema: a bad body is a 400 with a reason, and the
    # autosave (the hottest path of an exam) skips the validation machinery.
    if len(request.body) > MAX_ANSWER_BODY:
        raise DomainError(_("请求体过大。"), field="choices")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("请求体不是有效的 JSON。"), field="choices") from None
    if not isinstance(body, dict) or "choices" not in body:
        raise DomainError(_('请求体应为 {"choices": [选项编号…]}。'), field="choices")
    if not is_id(attempt_id):
        raise _not_found()
    now = timezone.now()
    try:
        answer = answer_save_as(
            user=request.auth,
            attempt_id=attempt_id,
            position=position,
            choices=body["choices"],
            now=now,
        )
    except AttemptNotFound:
        raise _not_found() from None
    except AttemptClosedError as exc:
        attempt_close_if_expired(attempt=_own_attempt(request, attempt_id), now=now)
        return _closed(exc)
    return {"position": answer.position, "saved_at": answer.saved_at}


@router.post(
    "/attempts/{attempt_id}/submit",
    response={200: ResultOut, 404: Error},
    summary="交卷",
    description="交卷并评分；重复提交只评分一次，返回同一结果。",
)
def attempt_submit_view(request: HttpRequest, attempt_id: int):
    attempt = attempt_submit(attempt=_own_attempt(request, attempt_id))
    return _result_output(attempt)


@router.get(
    "/attempts/{attempt_id}/result",
    response={200: ResultOut, 404: Error, 409: Error},
    summary="作答结果",
    description="得分、是否通过、每题对错；正确答案和解析仅在考试规则允许时给出。",
)
def attempt_result(request: HttpRequest, attempt_id: int):
    attempt = attempt_close_if_expired(attempt=_own_attempt(request, attempt_id))
    if attempt.is_open:
        return Status(409, {"detail": _("尚未交卷，还没有成绩。"), "field": "attempt"})
    return _result_output(attempt)
