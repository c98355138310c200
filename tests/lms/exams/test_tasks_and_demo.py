"""The every-minute close of expired attempts, and the demo attempts of seed_demo."""

import datetime
import io

from django.core.management import call_command

import pytest

from cms.celery import app as celery_app
from courses.models import ExamKind
from lms import demo_exams
from lms.models import Attempt, AttemptStatus
from lms.services.attempts import answer_save, attempt_start
from lms.tasks import attempts_close_expired

from .conftest import right_choices

pytestmark = pytest.mark.django_db


def test_beat_runs_the_close_every_minute():
    entry = celery_app.conf.beat_schedule["attempts-close-expired"]
    assert entry["task"] == "lms.tasks.attempts_close_expired"
    assert entry["schedule"] == 60.0
    assert "lms.tasks.attempts_close_expired" in celery_app.tasks


def test_the_task_grades_expired_attempts_with_their_saved_answers(world, exam, enrolled):
    started = attempt_start(
        member=world["member"],
        exam=exam,
        now=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=40),
    )
    first = started.answers.select_related("question").get(position=1)
    answer_save(
        attempt=started,
        position=1,
        choices=right_choices(first.question),
        now=started.started_at + datetime.timedelta(minutes=1),
    )
    assert celery_app.signature("lms.tasks.attempts_close_expired").delay().get() == 1
    started.refresh_from_db()
    assert started.status == AttemptStatus.TIMED_OUT and started.score == 1
    assert attempts_close_expired() == 0  # safe to run again


def test_demo_exams_without_exams_says_so(db):
    out = io.StringIO()
    demo_exams.seed(out)
    assert "没有演示考试" in out.getvalue()
    assert not Attempt.objects.exists()


def test_seed_demo_gives_the_demo_member_and_team_graded_attempts():
    call_command("seed_demo", stdout=io.StringIO())
    if not Attempt.objects.exists():
        pytest.skip("the demo question bank has no exams yet")
    assert not Attempt.objects.open().exists()
    mine = Attempt.objects.filter(member__user__username="member", exam__kind=ExamKind.FINAL)
    assert mine.filter(passed=True).count() >= 1
    failed = mine.filter(passed=False).first()
    assert failed is not None
    assert (
        Attempt.objects.filter(member=failed.member, exam=failed.exam).count()
        < failed.exam.max_attempts
    )
    colleagues = Attempt.objects.exclude(member__user__username="member").filter(
        member__team__members__user__username="member"
    )
    assert colleagues.filter(passed=True).exists() and colleagues.filter(passed=False).exists()
    for attempt in Attempt.objects.all():
        assert attempt.score is not None and attempt.answers.filter(score__isnull=True).count() == 0
    before = Attempt.objects.count()
    demo_exams.seed(io.StringIO())
    assert Attempt.objects.count() == before
