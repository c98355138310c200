"""Exam attempts: starting one (its questions and deadline fixed on the server), saving answers
as the member goes, submitting once, closing what ran out of time, and when answers may be read.

Answers hold option indexes as authored (A = 0); the shown order is the attempt's own. A
deadline is a fact of the attempt, not of the browser: an answer that arrives after it is
refused and never stored, and grading counts only answers saved by then.

Concurrency: the autosave locks its attempt's row (FOR NO KEY UPDATE) while it writes, and
submitting locks it too, so an answer is either in before grading or refused after it. On
SQLite, which has no row locks, every transaction takes the database's write lock when it
begins (transaction_mode IMMEDIATE), which gives the same order. The conditional
`UPDATE … WHERE status = 'open'` is the guard that makes two submits grade once on both.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from simple_history.utils import bulk_update_with_history

from courses.models import (
    OPTION_LETTERS,
    Difficulty,
    Exam,
    ExamKind,
    Question,
    QuestionType,
    ReviewPolicy,
    SelectionMode,
)
from lms.errors import DomainError
from lms.grading import answer_score, attempt_totals
from lms.models import Attempt, AttemptAnswer, AttemptStatus, Enrollment, Member
from lms.services.progress import enrollment_complete_if_done

# Draws and shuffles must not be predictable from the outside.
_random = random.SystemRandom()

# What the autosave reads of an answer row, its attempt and its question: nothing more.
_SAVE_FIELDS = (
    "position",
    "attempt__status",
    "attempt__deadline",
    "question__type",
    *(f"question__option_{letter.lower()}" for letter in OPTION_LETTERS),
)


class AttemptNotFound(DomainError):
    """No such question of an attempt the caller may answer (a 404 to the caller)."""


class AttemptClosedError(DomainError):
    """The attempt no longer takes answers: submitted, or past its deadline (HTTP 409)."""


def _local(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i:s")


def _is_past(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline


# -- starting ------------------------------------------------------------------------------


def _current_enrollment(member: Member, exam: Exam) -> Enrollment | None:
    return Enrollment.objects.current().filter(member=member, course_id=exam.course_id).first()


def _refusal(*, member: Member, exam: Exam, now: datetime.datetime) -> tuple[str | None, str]:
    """Why `member` may not start a new attempt now, and the field at fault; (None, "") if
    they may."""
    if not exam.active or not exam.course.live:
        return _("这场考试目前未开放。"), "exam"
    if exam.kind == ExamKind.QUIZ and exam.lesson_id and not exam.lesson.live:
        return _("这个课时尚未发布，练习暂不开放。"), "exam"
    if exam.opens_at and now < exam.opens_at:
        return _("考试尚未开始，开放时间：%(at)s。") % {"at": _local(exam.opens_at)}, "exam"
    if exam.closes_at and now >= exam.closes_at:
        return _("考试已于 %(at)s 关闭。") % {"at": _local(exam.closes_at)}, "exam"
    if not member.is_active:
        return _("您已离队，不能参加考试。"), "member"
    if _current_enrollment(member, exam) is None:
        return _("您尚未报名课程《%(course)s》，请先报名。") % {"course": exam.course.title}, (
            "member"
        )
    limit = exam.max_attempts if exam.kind == ExamKind.FINAL else 0
    if limit and Attempt.objects.filter(member=member, exam=exam).count() >= limit:
        return _("您已用完本考试的 %(n)s 次作答机会。") % {"n": limit}, "exam"
    return None, ""


def attempt_start_refusal(*, member: Member, exam: Exam, now=None) -> str | None:
    """Why a new attempt could not be started now (for the intro page), or None."""
    message, _field = _refusal(member=member, exam=exam, now=now or timezone.now())
    return message


def _paper(exam: Exam) -> list[tuple[Question, Decimal]]:
    """The questions of a new attempt and their points: the fixed list, or fresh draws."""
    if exam.selection == SelectionMode.FIXED:
        rows = (
            exam.fixed_questions.select_related("question")
            .filter(question__active=True)
            .order_by("sort_order", "pk")
        )
        paper = [(row.question, row.points) for row in rows]
    else:
        drawn: list[tuple[int, Decimal]] = []
        taken: set[int] = set()
        for rule in exam.draw_rules.select_related("category").order_by("sort_order", "pk"):
            if not rule.count:
                continue
            pool = Question.objects.active().filter(category=rule.category)
            if rule.difficulty:
                pool = pool.filter(difficulty=rule.difficulty)
            ids = [pk for pk in pool.values_list("pk", flat=True) if pk not in taken]
            if len(ids) < rule.count:
                difficulty = (
                    _("（%(d)s）") % {"d": Difficulty(rule.difficulty).label}
                    if rule.difficulty
                    else ""
                )
                raise DomainError(
                    _(
                        "题库中“%(category)s”%(difficulty)s可用的题目只有 %(have)s 道，"
                        "不够抽取 %(need)s 道，请联系培训管理员补充题目。"
                    )
                    % {
                        "category": rule.category.name,
                        "difficulty": difficulty,
                        "have": len(ids),
                        "need": rule.count,
                    },
                    field="exam",
                )
            chosen = _random.sample(ids, rule.count)
            taken.update(chosen)
            drawn.extend((pk, rule.points) for pk in chosen)
        questions = Question.objects.in_bulk([pk for pk, _points in drawn])
        paper = [(questions[pk], points) for pk, points in drawn]
    if not paper:
        raise DomainError(_("这份试卷还没有题目，暂不能作答。"), field="exam")
    return paper


def _option_order(question: Question, shuffle: bool) -> list[int]:
    order = list(range(len(question.options)))
    # 正确/错误 stay in that order: shuffling two fixed words only confuses.
    if shuffle and question.type != QuestionType.TRUE_FALSE:
        _random.shuffle(order)
    return order


def attempt_start(*, member: Member, exam: Exam, now=None) -> Attempt:
    """Start an attempt, or resume the member's open one.

    Starting fixes the questions (shuffled as the exam says), the order of each question's
    options and the deadline (the time limit, capped by the exam's closing time). The
    returned attempt carries `resumed` (True when it was already open).
    """
    now = now or timezone.now()
    existing = Attempt.objects.open().filter(member=member, exam=exam).first()
    if existing is not None:
        existing = attempt_close_if_expired(attempt=existing, now=now)
        if existing.is_open:
            existing.resumed = True
            return existing
    message, field = _refusal(member=member, exam=exam, now=now)
    if message:
        raise DomainError(message, field=field)
    paper = _paper(exam)
    if exam.shuffle_questions:
        _random.shuffle(paper)
    deadline = (
        now + datetime.timedelta(minutes=exam.time_limit_minutes)
        if exam.time_limit_minutes
        else None
    )
    if exam.closes_at and (deadline is None or deadline > exam.closes_at):
        deadline = exam.closes_at
    try:
        with transaction.atomic():
            used = Attempt.objects.filter(member=member, exam=exam)
            number = (used.aggregate(n=Max("number"))["n"] or 0) + 1
            attempt = Attempt(
                member=member,
                exam=exam,
                enrollment=_current_enrollment(member, exam),
                number=number,
                started_at=now,
                deadline=deadline,
                max_score=sum((points for _q, points in paper), Decimal(0)),
            )
            # Every value is the server's own; the database checks the keys and constraints.
            attempt.full_clean(
                exclude=["member", "exam", "enrollment"],
                validate_unique=False,
                validate_constraints=False,
            )
            attempt.save()
            AttemptAnswer.objects.bulk_create(
                AttemptAnswer(
                    attempt=attempt,
                    position=position,
                    question=question,
                    option_order=_option_order(question, exam.shuffle_options),
                    points=points,
                )
                for position, (question, points) in enumerate(paper, start=1)
            )
    except IntegrityError:
        # Two starts at once (a double tap, two tabs): the database let one through.
        other = Attempt.objects.open().filter(member=member, exam=exam).first()
        if other is None:
            raise DomainError(_("开始作答时出现冲突，请重试。"), field="exam") from None
        other.resumed = True
        return other
    attempt.resumed = False
    return attempt


# -- answering -----------------------------------------------------------------------------


def _checked_choices(choices, question: Question) -> list[int] | None:
    """The choices as sorted authored indexes (None when a multiple choice is cleared)."""
    if not isinstance(choices, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in choices
    ):
        raise DomainError(_("choices 须是选项编号（整数）的列表。"), field="choices")
    if len(set(choices)) != len(choices):
        raise DomainError(_("同一个选项不能重复选择。"), field="choices")
    count = len(question.options)
    if any(not 0 <= c < count for c in choices):
        raise DomainError(
            _("选项编号超出范围：这道题的选项编号为 0 到 %(last)s。") % {"last": count - 1},
            field="choices",
        )
    if question.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE) and len(choices) != 1:
        raise DomainError(_("这道题只能选择一个选项。"), field="choices")
    return sorted(choices) or None


def answer_save(*, attempt: Attempt, position: int, choices: list[int], now=None) -> AttemptAnswer:
    """Save the answer to one question of an open attempt (the autosave).

    Two queries: the answer row with its attempt (locked) and question, then an UPDATE. An
    answer that arrives after the deadline, or after the attempt was submitted, is refused
    (AttemptClosedError) and not stored. For a multiple-choice question an empty list clears
    the answer.
    """
    rows = AttemptAnswer.objects.filter(attempt_id=attempt.pk)
    return _answer_save(rows, position=position, choices=choices, now=now)


def answer_save_as(*, user, attempt_id: int, position: int, choices: list[int], now=None):
    """The autosave as the API receives it: the caller's own attempt, by id.

    Ownership is checked in the same locked read as the save (the hottest path of an exam
    sits on it); an attempt that is not the caller's raises AttemptNotFound.
    """
    rows = AttemptAnswer.objects.filter(attempt_id=attempt_id, attempt__member__user=user)
    try:
        return _answer_save(rows, position=position, choices=choices, now=now)
    except AttemptNotFound:
        # The slow path only on a miss: a bad position of one's own attempt is a 400.
        if Attempt.objects.filter(pk=attempt_id, member__user=user).exists():
            raise DomainError(
                _("本次作答没有第 %(n)s 题。") % {"n": position}, field="position"
            ) from None
        raise


def _answer_save(rows, *, position: int, choices, now) -> AttemptAnswer:
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            rows.select_related("attempt", "question")
            .select_for_update(of=("attempt",), no_key=True)
            .only(*_SAVE_FIELDS)
            .filter(position=position)
            .first()
        )
        if row is None:
            raise AttemptNotFound(
                _("本次作答没有第 %(n)s 题。") % {"n": position}, field="position"
            )
        if not row.attempt.is_open:
            raise AttemptClosedError(_("本次作答已经交卷，答案不能再修改。"), field="attempt")
        if _is_past(row.attempt, now):
            raise AttemptClosedError(
                _("作答时间已于 %(at)s 截止，这个答案没有保存。")
                % {"at": _local(row.attempt.deadline)},
                field="attempt",
            )
        response = _checked_choices(choices, row.question)
        AttemptAnswer.objects.filter(pk=row.pk).update(response=response, saved_at=now)
    row.response = response
    row.saved_at = now
    return row


# -- submitting and closing ----------------------------------------------------------------


def _grade(attempt_pk: int, now: datetime.datetime) -> tuple[Attempt, bool]:
    """Grade an open attempt once; (the attempt, whether this call graded it)."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam", "exam__course")
            .get(pk=attempt_pk)
        )
        if not attempt.is_open:
            return attempt, False
        timed_out = _is_past(attempt, now)
        status = AttemptStatus.TIMED_OUT if timed_out else AttemptStatus.SUBMITTED
        submitted_at = attempt.deadline if timed_out else now
        # The guard: of two submits that got this far at once, one updates the row.
        claimed = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
            status=status, submitted_at=submitted_at
        )
        if not claimed:
            attempt.refresh_from_db()
            return attempt, False
        answers = list(attempt.answers.select_related("question").order_by("position"))
        for answer in answers:
            # Answers after the deadline are refused when saved; this is belt and braces.
            counted = attempt.deadline is None or (
                answer.saved_at is not None and answer.saved_at <= attempt.deadline
            )
            answer.is_correct, answer.score = answer_score(
                key=answer.question.correct_indexes,
                response=answer.response if counted else None,
                points=answer.points,
            )
        if answers:
            bulk_update_with_history(
                answers, AttemptAnswer, ["is_correct", "score"], default_date=now
            )
        score, max_score, percent, passed = attempt_totals(
            ((answer.score, answer.points) for answer in answers),
            pass_mark=attempt.exam.pass_mark,
        )
        attempt.status = status
        attempt.submitted_at = submitted_at
        attempt.score, attempt.max_score, attempt.percent, attempt.passed = (
            score,
            max_score,
            percent,
            passed,
        )
        attempt.save(
            update_fields=["status", "submitted_at", "score", "max_score", "percent", "passed"]
        )
        if passed and attempt.exam.kind == ExamKind.FINAL:
            _complete_course(attempt)
    return attempt, True


def _complete_course(attempt: Attempt) -> None:
    """A passed final exam completes the course if its rule is met (lessons may be pending)."""
    enrollment = (
        Enrollment.objects.current()
        .select_for_update()
        .filter(member_id=attempt.member_id, course_id=attempt.exam.course_id)
        .first()
    )
    if enrollment is not None:
        enrollment_complete_if_done(enrollment, attempt.exam.course)


def attempt_submit(*, attempt: Attempt, now=None) -> Attempt:
    """Hand in an attempt and grade it: idempotent (a double tap or a retry grades once).

    Submitted after its deadline, the attempt is graded as timed out with the answers saved
    by the deadline. A passed final exam completes the course when its rule is met.
    """
    graded, _by_us = _grade(attempt.pk, now or timezone.now())
    return graded


def attempt_close_if_expired(*, attempt: Attempt, now=None) -> Attempt:
    """Reading an attempt: one left open past its deadline is graded (timed out) first."""
    now = now or timezone.now()
    if attempt.is_open and _is_past(attempt, now):
        return attempt_submit(attempt=attempt, now=now)
    return attempt


def attempt_close_expired(*, now=None) -> int:
    """Grade every open attempt past its deadline as timed out; returns how many it closed.

    Safe to run twice and next to submits: each attempt is graded once whoever gets there
    first.
    """
    now = now or timezone.now()
    expired = (
        Attempt.objects.open().filter(deadline__lt=now).order_by("pk").values_list("pk", flat=True)
    )
    closed = 0
    for pk in list(expired):
        _attempt, graded = _grade(pk, now)
        closed += graded
    return closed


# -- reviewing -----------------------------------------------------------------------------


def review_allowed(attempt: Attempt, now=None) -> bool:
    """Whether the member may see the key and explanations of a graded attempt."""
    if attempt.is_open:
        return False
    exam = attempt.exam
    if exam.review_policy == ReviewPolicy.AFTER_SUBMIT:
        return True
    if exam.review_policy == ReviewPolicy.AFTER_CLOSE:
        return exam.closes_at is not None and (now or timezone.now()) >= exam.closes_at
    return False


@dataclass(frozen=True)
class PaperOption:
    key: int  # the authored index (A = 0): what an answer holds
    text: str
    chosen: bool
    correct: bool | None  # None unless the key may be shown


@dataclass(frozen=True)
class PaperQuestion:
    """One question of an attempt as the member may see it now."""

    position: int
    type: str
    type_label: str
    stem: str
    points: Decimal
    options: list[PaperOption]
    response: list[int] | None
    saved_at: datetime.datetime | None
    is_correct: bool | None
    score: Decimal | None
    # The key and the explanation: filled only when `reveal` was asked for.
    correct_choices: list[int] | None
    explanation: str | None


def attempt_paper(attempt: Attempt, *, reveal: bool = False) -> list[PaperQuestion]:
    """The questions of an attempt in its order, options in the shown order.

    The key and the explanations are read only with `reveal=True`, which callers pass only
    for a graded attempt whose review is allowed: an open attempt never carries them.
    """
    reveal = reveal and not attempt.is_open
    answers = attempt.answers.select_related("question").order_by("position")
    paper = []
    for answer in answers:
        question = answer.question
        texts = question.options
        chosen = set(answer.response or ())
        key = set(question.correct_indexes) if reveal else None
        paper.append(
            PaperQuestion(
                position=answer.position,
                type=question.type,
                type_label=str(QuestionType(question.type).label),
                stem=question.stem,
                points=answer.points,
                options=[
                    PaperOption(
                        key=index,
                        text=texts[index],
                        chosen=index in chosen,
                        correct=(index in key) if key is not None else None,
                    )
                    for index in answer.option_order
                    if index < len(texts)
                ],
                response=answer.response,
                saved_at=answer.saved_at,
                is_correct=None if attempt.is_open else answer.is_correct,
                score=None if attempt.is_open else answer.score,
                correct_choices=sorted(key) if key is not None else None,
                explanation=question.explanation if reveal else None,
            )
        )
    return paper


def seconds_left(attempt: Attempt, now=None) -> int | None:
    """Whole seconds until the deadline by the server's clock (0 when past; None if untimed)."""
    if attempt.deadline is None:
        return None
    left = (attempt.deadline - (now or timezone.now())).total_seconds()
    return max(0, int(left))
