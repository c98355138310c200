"""Where the learner's pages show exams: a course's final exam and its state, a lesson's
practice quiz. Each tag reads a fixed number of rows, however many courses a page lists."""

from dataclasses import dataclass

from django import template

from courses.models import Exam, ExamKind
from lms.models import Attempt, AttemptStatus, Member

register = template.Library()


@dataclass
class FinalExamState:
    """A member and a course's final exam: attempts used, the open one, the best grade."""

    exam: Exam
    attempts_used: int = 0
    open_attempt: Attempt | None = None
    best: Attempt | None = None
    last: Attempt | None = None

    @property
    def passed(self) -> bool:
        return self.best is not None and bool(self.best.passed)

    @property
    def attempts_left(self) -> int | None:
        if not self.exam.max_attempts:
            return None
        return max(0, self.exam.max_attempts - self.attempts_used)

    @property
    def state(self) -> str:
        """passed, open, failed (tried, may try again), exhausted, or new."""
        if self.passed:
            return "passed"
        if self.open_attempt is not None:
            return "open"
        if self.attempts_left == 0:
            return "exhausted"
        return "failed" if self.attempts_used else "new"


def _rank(attempt: Attempt) -> tuple:
    # Random papers may differ in points: compare percentages, a pass above all.
    return (bool(attempt.passed), attempt.percent or 0)


def final_exam_states(member: Member | None, course_ids) -> dict[int, FinalExamState]:
    """The final exam of each course that has an active one, by course id: two queries."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    exams = Exam.objects.filter(kind=ExamKind.FINAL, active=True, course_id__in=course_ids)
    states = {exam.course_id: FinalExamState(exam) for exam in exams}
    if member is None or not states:
        return states
    by_exam = {state.exam.pk: state for state in states.values()}
    attempts = Attempt.objects.filter(member=member, exam_id__in=by_exam).order_by("number")
    for attempt in attempts:
        state = by_exam[attempt.exam_id]
        state.attempts_used += 1
        state.last = attempt
        if attempt.status == AttemptStatus.OPEN:
            state.open_attempt = attempt
        elif state.best is None or _rank(attempt) > _rank(state.best):
            state.best = attempt
    return states


def _member_of(context) -> Member | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    if "_exam_member" not in context.render_context:
        context.render_context["_exam_member"] = Member.objects.filter(user=request.user).first()
    return context.render_context["_exam_member"]


@register.simple_tag(takes_context=True)
def course_final_exam(context, course) -> FinalExamState | None:
    """`{% course_final_exam course as final %}`: the course's final exam for the viewer."""
    return final_exam_states(_member_of(context), [course.pk]).get(course.pk)


@register.simple_tag
def final_exams_for(dashboard) -> dict[int, FinalExamState]:
    """`{% final_exams_for dashboard as finals %}`: the final exams of a dashboard's courses."""
    courses = [item.course.pk for item in [*dashboard.in_progress, *dashboard.completed]]
    return final_exam_states(dashboard.member, courses)


@register.filter
def exam_of(states: dict, course_pk):
    """`finals|exam_of:course.pk`: the state for one course, or None."""
    return states.get(course_pk) if states else None


@register.simple_tag
def lesson_quiz(lesson) -> Exam | None:
    """`{% lesson_quiz lesson as quiz %}`: the lesson's active practice quiz, if it has one."""
    return Exam.objects.filter(kind=ExamKind.QUIZ, lesson=lesson, active=True).first()


@register.filter
def option_letter(index) -> str:
    """`forloop.counter0|option_letter`: A, B, C… for the options in the order shown."""
    try:
        return "ABCDEFGHIJ"[int(index)]
    except (IndexError, TypeError, ValueError):
        return ""


@register.filter
def clock(seconds) -> str:
    """Seconds as a countdown reads: 1:05:09, or 05:09 under an hour."""
    try:
        seconds = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
