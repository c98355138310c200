"""Lesson progress: opening a lesson, time spent, marking it done, knowledge checks."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CompletionRule, CoursePage, ExamKind, LessonPage
from lms.errors import DomainError
from lms.models import Attempt, Enrollment, EnrollmentStatus, LessonProgress, Member
from lms.services.certificates import certificate_issue_on_completion

# A client may report at most this much time for one request (a phone left open overnight
# must not count as hours of study).
MAX_SECONDS_PER_REPORT = 30 * 60


def _enrollment_for(
    member: Member, lesson: LessonPage, *, for_update: bool = True
) -> tuple[Enrollment, CoursePage]:
    if not lesson.live:
        raise DomainError(_("该课时尚未发布。"), field="lesson")
    # The parent by path: one query, and None when the parent is not a course.
    course = CoursePage.objects.filter(path=lesson.path[: -lesson.steplen]).first()
    if course is None or not course.live:
        raise DomainError(_("该课时所属课程尚未发布。"), field="lesson")
    enrollments = Enrollment.objects.current().filter(member=member, course=course)
    if for_update:
        enrollments = enrollments.select_for_update()
    enrollment = enrollments.first()
    if enrollment is None:
        raise DomainError(_("您尚未报名该课程，请先报名再学习。"), field="lesson")
    return enrollment, course


def course_lessons(course: CoursePage):
    return LessonPage.objects.child_of(course).live().order_by("path")


def exam_passed(enrollment: Enrollment) -> bool:
    """Whether the member has passed the course's final exam (in any attempt)."""
    return Attempt.objects.filter(
        member_id=enrollment.member_id,
        exam__course_id=enrollment.course_id,
        exam__kind=ExamKind.FINAL,
        passed=True,
    ).exists()


def enrollment_complete_if_done(enrollment: Enrollment, course: CoursePage) -> bool:
    """Complete the enrollment when the course's rule is met (lessons, and the exam if
    required); True if it is (or already was) completed."""
    if enrollment.status == EnrollmentStatus.COMPLETED:
        return True
    lesson_ids = set(course_lessons(course).values_list("pk", flat=True))
    done = set(
        enrollment.progress.filter(completed_at__isnull=False).values_list("lesson_id", flat=True)
    )
    if not lesson_ids or not lesson_ids <= done:
        return False
    if course.completion_rule == CompletionRule.LESSONS_AND_EXAM and not exam_passed(enrollment):
        return False
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["status", "completed_at"])
    certificate_issue_on_completion(enrollment, course)
    return True


def progress_open(*, member: Member, lesson: LessonPage) -> LessonProgress:
    """The member opened a lesson: remember it as where to continue.

    Re-reading a lesson already recorded as the last one writes nothing (and takes no
    lock: on SQLite a write lock holds the whole database).
    """
    enrollment, _course = _enrollment_for(member, lesson, for_update=False)
    if enrollment.last_lesson_id == lesson.pk:
        progress = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).first()
        if progress is not None:
            return progress
    with transaction.atomic():
        enrollment, _course = _enrollment_for(member, lesson)
        progress, _created = LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=lesson
        )
        if enrollment.last_lesson_id != lesson.pk:
            enrollment.last_lesson = lesson
            enrollment.save(update_fields=["last_lesson"])
    return progress


@transaction.atomic
def progress_complete(
    *, member: Member, lesson: LessonPage, seconds_spent: int = 0, passed_check: bool = False
) -> LessonProgress:
    """Mark a lesson done (idempotent) and complete the course when its rule holds."""
    if not isinstance(seconds_spent, int) or seconds_spent < 0:
        raise DomainError(_("学习时长必须是非负整数（秒）。"), field="seconds_spent")
    enrollment, course = _enrollment_for(member, lesson)
    progress, _created = LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    updates = {"seconds_spent": F("seconds_spent") + min(seconds_spent, MAX_SECONDS_PER_REPORT)}
    if progress.completed_at is None:
        updates["completed_at"] = timezone.now()
    if passed_check:
        updates["passed_check"] = True
    LessonProgress.objects.filter(pk=progress.pk).update(**updates)
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson"])
    enrollment_complete_if_done(enrollment, course)
    progress.refresh_from_db()
    return progress


def knowledge_check_answer(
    *, member: Member, lesson: LessonPage, block_id: str, choices: list[int]
) -> dict:
    """Grade an answer to a lesson's knowledge check on the server.

    Returns {"correct": bool, "explanation": str, "correct_choices": [...]}; when every
    check of the lesson has been answered correctly the lesson is marked done.
    """
    if (
        not isinstance(choices, list)
        or not choices
        or not all(isinstance(c, int) and not isinstance(c, bool) for c in choices)
    ):
        raise DomainError(_("请选择至少一个选项。"), field="choices")
    blocks = {b.id: b for b in lesson.body if b.block_type == "knowledge_check"}
    block = blocks.get(block_id)
    if block is None:
        raise DomainError(_("该课时中没有这道小测。"), field="block_id")
    option_count = len(block.value["options"])
    if any(not 1 <= c <= option_count for c in choices):
        raise DomainError(_("选项超出范围。"), field="choices")
    correct = sorted(set(block.value["correct"]))
    is_correct = sorted(set(choices)) == correct
    with transaction.atomic():
        enrollment, _course = _enrollment_for(member, lesson)
        progress, _created = LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=lesson
        )
        answered = set(progress.checks_passed)
        if is_correct and block_id not in answered:
            answered.add(block_id)
            progress.checks_passed = sorted(answered)
            progress.save(update_fields=["checks_passed"])
    if is_correct and answered >= set(blocks):
        progress_complete(member=member, lesson=lesson, passed_check=True)
    return {
        "correct": is_correct,
        "explanation": block.value["explanation"] if is_correct else "",
        "correct_choices": correct if is_correct else [],
    }
