"""Training sessions: who may plan them, check-in, the paper sheet, and closing, which adds
the instructors' taught hours once and records the attendees' verified hours."""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest

from lms.checkin import checkin_token
from lms.errors import DomainError
from lms.models import EventStatus, ServiceRecord, ServiceStatus, SessionAttendance
from lms.services.sessions import (
    session_attendance_record,
    session_attendance_remove,
    session_cancel,
    session_checkin,
    session_close,
    session_create,
)

from .conftest import reload

pytestmark = pytest.mark.django_db


def plan(by, world, course, instructor, **changes):
    starts_at = timezone.now() + datetime.timedelta(days=3)
    fields = {
        "title": "防汛培训",
        "course": course,
        "area": world["areas"]["qingxiu"],
        "teams": [world["qingxiu_team"]],
        "instructors": [instructor],
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=2),
        "place": "培训室",
        "credit_hours": "1.5",
    }
    fields.update(changes)
    return session_create(by=by, **fields)


def test_area_administrators_and_their_instructors_plan_sessions(world, course, instructor):
    assert plan(world["qingxiu_admin"], world, course, instructor).status == EventStatus.PLANNED
    assert plan(instructor.user, world, course, instructor).created_by == instructor.user
    with pytest.raises(DomainError, match="管理员"):
        plan(world["leader_user"], world, course, instructor)
    with pytest.raises(DomainError):
        plan(world["liuzhou_admin"], world, course, instructor)
    with pytest.raises(DomainError, match="组织区域之内"):
        plan(world["qingxiu_admin"], world, course, instructor, teams=[world["liuzhou_team"]])
    with pytest.raises(DomainError, match="学时"):
        plan(world["qingxiu_admin"], world, course, instructor, credit_hours="0")


def test_session_check_in_is_once_and_refuses_a_drill_code(world, session):
    member = world["member"]
    with pytest.raises(DomainError, match="无效"):
        session_checkin(member=member, token=checkin_token("drill", session.pk), session=session)
    first, created = session_checkin(member=member, token=checkin_token("session", session.pk))
    again, created_again = session_checkin(
        member=member, token=checkin_token("session", session.pk), session=session
    )
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(DomainError, match="不是参训队伍"):
        session_checkin(member=world["other"], token=checkin_token("session", session.pk))


def test_the_paper_sheet_is_all_or_none(world, session):
    admin = world["qingxiu_admin"]
    with pytest.raises(DomainError, match="没有登记任何人"):
        session_attendance_record(
            by=admin, session=session, members=[world["member"], world["other"]]
        )
    assert not SessionAttendance.objects.exists()
    saved = session_attendance_record(
        by=admin, session=session, members=[world["member"], world["leader"].pk]
    )
    assert len(saved) == 2
    with pytest.raises(DomainError, match="无权管理"):
        session_attendance_record(
            by=world["leader_user"], session=session, members=[world["member"]]
        )


def test_closing_adds_taught_hours_once_and_verified_hours(world, session, instructor):
    admin = world["qingxiu_admin"]
    session_checkin(member=world["member"], token=checkin_token("session", session.pk))
    session_close(by=admin, session=session)
    session_close(by=admin, session=reload(session))
    assert reload(session).status == EventStatus.HELD
    assert reload(instructor).taught_hours == Decimal("2.0")
    record = ServiceRecord.objects.get(member=world["member"], session=session)
    assert record.status == ServiceStatus.VERIFIED
    assert record.hours == Decimal("2.0") and record.activity == "training"
    assert record.verified_by == admin and record.entered_by is None
    assert ServiceRecord.objects.count() == 1


def test_the_instructor_closes_their_session(world, session, instructor):
    session_checkin(member=world["member"], token=checkin_token("session", session.pk))
    session_close(by=instructor.user, session=session)
    assert reload(instructor).taught_hours == Decimal("2.0")


def test_closing_needs_an_attendee_and_a_begun_session(world, course, instructor, session):
    admin = world["qingxiu_admin"]
    with pytest.raises(DomainError, match="还没有人签到"):
        session_close(by=admin, session=session)
    later = plan(admin, world, course, instructor)
    session_attendance_record(by=admin, session=later, members=[world["member"]])
    with pytest.raises(DomainError, match="尚未开始"):
        session_close(by=admin, session=later)
    assert reload(instructor).taught_hours == 0


def test_removing_an_attendee_keeps_history_and_drops_their_hours(world, session):
    admin = world["qingxiu_admin"]
    attendance, _ = session_checkin(
        member=world["member"], token=checkin_token("session", session.pk)
    )
    session_close(by=admin, session=session)
    session_attendance_remove(by=admin, attendance=attendance, reason="代签")
    assert not SessionAttendance.objects.exists()
    assert not ServiceRecord.objects.exists()
    removed = SessionAttendance.history.filter(id=attendance.pk).latest("history_date")
    assert removed.history_type == "-" and removed.history_change_reason == "代签"
    assert removed.history_user == admin


def test_a_cancelled_session(world, session):
    session_cancel(by=world["qingxiu_admin"], session=session, reason="场地维修")
    session = reload(session)
    assert session.status == EventStatus.CANCELLED and "场地维修" in session.notes
    with pytest.raises(DomainError, match="不能登记为已举行"):
        session_close(by=world["qingxiu_admin"], session=session)
