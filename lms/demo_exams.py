"""Demo attempts on the demo exams, taken through the services as members would.

The demo account `member` (陆秀兰) passed the final exam of one course and failed that of
another (with attempts left, so the exam can be taken again in the demo), and tried a lesson
quiz; a few colleagues of the same team were assigned a course and sat its final exam, some
passing and some not, so the leader's results pages have something to show.

Run by seed_demo after the courses' question bank and exams (courses/demo_questions.py);
idempotent: a member who has any attempt on an exam is left alone.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import Exam, ExamKind
from lms.errors import DomainError
from lms.models import Attempt, EnrollmentSource, Member, Team
from lms.services.attempts import answer_save, attempt_start, attempt_submit
from lms.services.enrollments import enrollment_create

# (course code, share of questions answered right, days ago) for the demo member.
MEMBER_FINALS = [("GX-YJ-101", 1.0, 6), ("GX-YJ-103", 0.4, 2)]
MEMBER_QUIZ = ("GX-YJ-103", 3)
# The colleagues' course, and how well each of them does (in roster order).
TEAM_COURSE = "GX-YJ-101"
TEAM_SCORES = [0.9, 0.7, 0.5, 1.0, 0.3]
HOME_COMMUNITY = "450103001001"


def seed(stdout) -> None:
    exams = Exam.objects.filter(active=True, course__live=True).select_related("course", "lesson")
    finals = {e.course.code: e for e in exams if e.kind == ExamKind.FINAL}
    if not finals:
        stdout.write("  考试作答：没有演示考试，跳过")
        return
    member = Member.objects.filter(user__username="member").first()
    taken = 0
    if member is not None:
        for code, share, days in MEMBER_FINALS:
            taken += _sit(member, finals.get(code), share, days)
        code, days = MEMBER_QUIZ
        quiz = next((e for e in exams if e.kind == ExamKind.QUIZ and e.course.code == code), None)
        taken += _sit(member, quiz, 0.5, days)
    team = Team.objects.filter(community__code=HOME_COMMUNITY).first()
    exam = finals.get(TEAM_COURSE)
    if team is not None and exam is not None:
        leader = get_user_model().objects.filter(username="leader").first()
        colleagues = (
            team.members.active().filter(user__isnull=True).order_by("pk")[: len(TEAM_SCORES)]
        )
        for n, (colleague, share) in enumerate(zip(colleagues, TEAM_SCORES, strict=False)):
            if Attempt.objects.filter(member=colleague, exam=exam).exists():
                continue
            enrollment_create(
                member=colleague,
                course=exam.course,
                source=EnrollmentSource.LEADER,
                assigned_by=leader,
            )
            taken += _sit(colleague, exam, share, days=5 - n % 3)
    stdout.write(
        f"  考试作答：新增 {taken} 次，共 {Attempt.objects.count()} 次"
        f"（通过 {Attempt.objects.filter(passed=True).count()} 次）"
    )


def _sit(member: Member, exam: Exam | None, share: float, days: int) -> int:
    """Take `exam` as `member` `days` ago, answering the first `share` of it right and the
    rest wrong; 1 if an attempt was made. Skipped if the member has tried it already."""
    if exam is None or Attempt.objects.filter(member=member, exam=exam).exists():
        return 0
    started = timezone.now() - datetime.timedelta(days=days, hours=2)
    try:
        attempt = attempt_start(member=member, exam=exam, now=started)
    except DomainError:
        return 0  # not enrolled, or the exam is not open: nothing to show
    answers = list(attempt.answers.select_related("question").order_by("position"))
    right = round(share * len(answers))
    for n, answer in enumerate(answers):
        key = answer.question.correct_indexes
        wrong = [i for i in range(len(answer.question.options)) if i not in key][:1]
        answer_save(
            attempt=attempt,
            position=answer.position,
            choices=key if n < right else wrong,
            now=started + datetime.timedelta(seconds=30 * (n + 1)),
        )
    minutes = min(exam.time_limit_minutes or 30, 30)
    attempt_submit(attempt=attempt, now=started + datetime.timedelta(minutes=minutes * 0.6))
    return 1
