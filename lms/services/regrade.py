"""Correcting a question's key and regrading the attempts that used it.

Every graded answer to the question is scored again with the grading rule of lms.grading,
and each attempt whose grade changes gets new totals. Rows are saved one by one so that
django-simple-history keeps the old grade, with who regraded and why. A final exam that
now passes completes the course when its rule is met; a completion already granted is not
taken back when an attempt now fails (certificates may have been issued on it: that is a
decision for a person, and the log says which attempts changed).

Attempts still open are left alone: they are graded with the corrected key when handed in.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import ExamKind, Question
from lms.errors import DomainError
from lms.grading import answer_score, attempt_totals
from lms.models import Attempt, AttemptAnswer, AttemptStatus, Enrollment, QuestionRegrade
from lms.services.progress import enrollment_complete_if_done

MAX_REASON_LENGTH = QuestionRegrade._meta.get_field("reason").max_length


def _counted(answer: AttemptAnswer, attempt: Attempt):
    """The response as grading counts it: one saved after a deadline counts as unanswered."""
    if attempt.deadline is None or (
        answer.saved_at is not None and answer.saved_at <= attempt.deadline
    ):
        return answer.response
    return None


def _stamp(instance, *, by, reason: str) -> None:
    """What django-simple-history records on the next save: who, and why."""
    instance._history_user = by
    instance._change_reason = reason


def _complete_course(attempt: Attempt) -> None:
    enrollment = (
        Enrollment.objects.current()
        .select_for_update()
        .filter(member_id=attempt.member_id, course_id=attempt.exam.course_id)
        .first()
    )
    if enrollment is not None:
        enrollment_complete_if_done(enrollment, attempt.exam.course)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写更正答案的原因。"), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _("原因不能超过 %(max)s 个字。") % {"max": MAX_REASON_LENGTH}, field="reason"
        )
    return reason


@transaction.atomic
def question_regrade(*, question: Question, by, reason: str, old_answer: str) -> QuestionRegrade:
    """Regrade every graded answer to `question` with its current key (already corrected).

    Returns the QuestionRegrade recorded: how many attempts used the question and how many
    of their grades changed. Safe to run again: a second run changes no grade.
    """
    reason = _clean_reason(reason)
    question = Question.objects.get(pk=question.pk)  # the key as saved, not as held in memory
    key = question.correct_indexes
    history_reason = _("更正答案：%(old)s → %(new)s；%(reason)s") % {
        "old": old_answer,
        "new": question.answer,
        "reason": reason,
    }
    history_reason = history_reason[:100]  # simple-history keeps 100 characters of a reason
    answers = list(
        AttemptAnswer.objects.filter(question=question)
        .exclude(attempt__status=AttemptStatus.OPEN)
        .select_related("attempt")
        .select_for_update(of=("self",))
        .order_by("attempt_id", "position")
    )
    attempt_ids = {answer.attempt_id for answer in answers}
    touched: set[int] = set()
    for answer in answers:
        is_correct, score = answer_score(
            key=key, response=_counted(answer, answer.attempt), points=answer.points
        )
        if answer.is_correct == is_correct and answer.score == score:
            continue
        answer.is_correct, answer.score = is_correct, score
        _stamp(answer, by=by, reason=history_reason)
        answer.save(update_fields=["is_correct", "score"])
        touched.add(answer.attempt_id)

    changed = 0
    now = timezone.now()
    attempts = (
        Attempt.objects.filter(pk__in=touched)
        .select_related("exam", "exam__course")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for attempt in attempts:
        score, max_score, percent, passed = attempt_totals(
            ((got or 0, points) for got, points in attempt.answers.values_list("score", "points")),
            pass_mark=attempt.exam.pass_mark,
        )
        was_passed = attempt.passed
        if (attempt.score, attempt.max_score, attempt.percent, attempt.passed) != (
            score,
            max_score,
            percent,
            passed,
        ):
            changed += 1
        attempt.score, attempt.max_score, attempt.percent, attempt.passed = (
            score,
            max_score,
            percent,
            passed,
        )
        attempt.regraded_at = now
        _stamp(attempt, by=by, reason=history_reason)
        attempt.save(update_fields=["score", "max_score", "percent", "passed", "regraded_at"])
        if passed and not was_passed and attempt.exam.kind == ExamKind.FINAL:
            _complete_course(attempt)

    return QuestionRegrade.objects.create(
        question=question,
        regraded_by=by,
        reason=reason,
        old_answer=old_answer,
        new_answer=question.answer,
        attempts_total=len(attempt_ids),
        attempts_changed=changed,
    )


@transaction.atomic
def question_answer_correct(
    *, question: Question, new_answer: str, by, reason: str
) -> QuestionRegrade:
    """Correct the key of `question` (a new revision) and regrade the attempts that used it."""
    reason = _clean_reason(reason)
    question = Question.objects.select_for_update().get(pk=question.pk)
    old_answer = question.answer
    question.answer = new_answer or ""
    try:
        question.full_clean()
    except ValidationError as exc:
        messages = exc.message_dict
        field = "answer" if "answer" in messages else None
        text = "；".join(message for values in messages.values() for message in values)
        raise DomainError(text, field=field) from exc
    if question.answer == old_answer:
        raise DomainError(_("新答案与原答案相同，无需更正。"), field="answer")
    question.save()
    question.save_revision(user=by, log_action="wagtail.edit")
    return question_regrade(question=question, by=by, reason=reason, old_answer=old_answer)
