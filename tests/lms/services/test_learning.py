"""Enrollment and lesson progress: the rules members meet when they learn."""

import datetime

from django.utils import timezone

import pytest

from courses.models import CompletionRule, LessonPage
from lms.errors import DomainError
from lms.models import AssignmentJob, Enrollment, EnrollmentStatus, LessonProgress
from lms.services.enrollments import (
    assignment_job_create,
    assignment_job_run,
    enrollment_assign_team,
    enrollment_create,
    enrollment_self,
)
from lms.services.progress import (
    MAX_SECONDS_PER_REPORT,
    knowledge_check_answer,
    progress_complete,
    progress_open,
)
from tests.factories import CourseIndexPageFactory, MemberFactory, PageFactory, course_with_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def course(catalog):
    return course_with_lessons(catalog, code="FA-101", lessons=3)


def lessons(course):
    return list(LessonPage.objects.child_of(course).order_by("path"))


def test_re_enrolling_never_duplicates(world, course):
    member = world["member"]
    first, created = enrollment_create(member=member, course=course, source="self")
    second, created_again = enrollment_create(
        member=member, course=course, source="leader", due_on=timezone.localdate()
    )
    assert created and not created_again
    assert first.pk == second.pk
    assert Enrollment.objects.filter(member=member, course=course).count() == 1
    assert Enrollment.objects.get(pk=first.pk).due_on == timezone.localdate()


def test_a_draft_course_cannot_be_enrolled(world, catalog):
    draft = course_with_lessons(catalog, code="DRAFT-1", live=False)
    with pytest.raises(DomainError, match="尚未发布"):
        enrollment_create(member=world["member"], course=draft, source="self")
    assert not Enrollment.objects.exists()


def test_self_enrollment_only_where_the_course_allows(world, catalog):
    closed = course_with_lessons(catalog, code="CLOSED-1", self_enrollment=False)
    with pytest.raises(DomainError, match="不开放自主报名"):
        enrollment_self(member=world["member"], course=closed)


def test_leader_assigns_the_whole_team_or_chosen_members(world, course):
    team = world["qingxiu_team"]
    created = enrollment_assign_team(team=team, course=course, actor=world["leader_user"])
    assert created == team.members.active().count()
    assert enrollment_assign_team(team=team, course=course, actor=world["leader_user"]) == 0
    with pytest.raises(DomainError, match="本队"):
        enrollment_assign_team(
            team=team, course=course, actor=world["leader_user"], members=[world["other"]]
        )


def test_area_assignment_runs_as_a_job_and_reports_progress(
    world, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = assignment_job_create(
            area=world["areas"]["region"], course=course, actor=world["qingxiu_admin"]
        )
    assert len(callbacks) == 1  # queued only once the transaction commits
    job.refresh_from_db()  # eager Celery ran it
    assert job.status == "done"
    assert job.teams_total == job.teams_done == 2
    assert job.percent == 100
    assert job.enrollments_created == 3
    assert Enrollment.objects.filter(source="area").count() == 3
    # Run again (a redelivered task): nothing new.
    assignment_job_run(job=job)
    assert Enrollment.objects.filter(source="area").count() == 3


def test_past_due_date_is_refused(world, course):
    with pytest.raises(DomainError, match="截止日期"):
        enrollment_create(
            member=world["member"],
            course=course,
            source="leader",
            due_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert not AssignmentJob.objects.exists()


def test_progress_needs_an_enrollment_and_changes_nothing_without(world, course):
    with pytest.raises(DomainError, match="尚未报名"):
        progress_complete(member=world["member"], lesson=lessons(course)[0])
    assert not LessonProgress.objects.exists()


def test_a_lesson_of_a_draft_course_is_refused(world, catalog, course):
    enrollment_create(member=world["member"], course=course, source="self")
    draft_lesson = PageFactory._create(
        LessonPage, parent=course, live=False, title="草稿课时", slug="draft", body=[]
    )
    with pytest.raises(DomainError, match="尚未发布"):
        progress_complete(member=world["member"], lesson=draft_lesson)


def test_completing_every_lesson_completes_the_course(world, course):
    member = world["member"]
    enrollment, _ = enrollment_create(member=member, course=course, source="self")
    first, second, third = lessons(course)
    progress_open(member=member, lesson=second)
    assert Enrollment.objects.get(pk=enrollment.pk).last_lesson_id == second.pk
    progress_complete(member=member, lesson=first, seconds_spent=120)
    progress_complete(member=member, lesson=first, seconds_spent=60)  # twice is fine
    progress_complete(member=member, lesson=second)
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.ACTIVE
    progress_complete(member=member, lesson=third, seconds_spent=10**6)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at
    spent = LessonProgress.objects.get(enrollment=enrollment, lesson=first).seconds_spent
    assert spent == 180
    capped = LessonProgress.objects.get(enrollment=enrollment, lesson=third).seconds_spent
    assert capped == MAX_SECONDS_PER_REPORT


def test_a_course_with_an_exam_is_not_completed_by_lessons_alone(world, catalog):
    course = course_with_lessons(
        catalog, code="EX-1", lessons=1, completion_rule=CompletionRule.LESSONS_AND_EXAM
    )
    member = world["member"]
    enrollment, _ = enrollment_create(member=member, course=course, source="self")
    progress_complete(member=member, lesson=lessons(course)[0])
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.ACTIVE


def test_knowledge_check_is_graded_on_the_server(world, catalog):
    course = course_with_lessons(catalog, code="KC-1", lessons=0)
    lesson = PageFactory._create(
        LessonPage,
        parent=course,
        title="止血",
        slug="bleeding",
        body=[
            (
                "knowledge_check",
                {
                    "question": "大出血时首先应该？",
                    "options": ["等待", "直接压迫止血", "喝水"],
                    "correct": [2],
                    "explanation": "直接压迫是最有效的现场止血方法。",
                },
            )
        ],
    )
    block_id = lesson.body[0].id
    member = world["member"]
    enrollment_create(member=member, course=course, source="self")
    wrong = knowledge_check_answer(member=member, lesson=lesson, block_id=block_id, choices=[1])
    assert wrong == {"correct": False, "explanation": "", "correct_choices": []}
    right = knowledge_check_answer(member=member, lesson=lesson, block_id=block_id, choices=[2])
    assert right["correct"] and "直接压迫" in right["explanation"]
    assert LessonProgress.objects.get(lesson=lesson).completed_at is not None
    for bad in ([], [9], ["2"], [True]):
        with pytest.raises(DomainError):
            knowledge_check_answer(member=member, lesson=lesson, block_id=block_id, choices=bad)
    with pytest.raises(DomainError, match="没有这道小测"):
        knowledge_check_answer(member=member, lesson=lesson, block_id="nope", choices=[2])


def test_left_member_cannot_enroll(world, course):
    gone = MemberFactory(team=world["qingxiu_team"], left_on=datetime.date(2025, 1, 1))
    with pytest.raises(DomainError, match="离队"):
        enrollment_create(member=gone, course=course, source="self")
