"""Fixtures of the service-hours, activity and plan tests: a second team's leader, drills."""

import datetime

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

import pytest

from lms.models import (
    AttendanceMethod,
    Drill,
    DrillParticipation,
    EventStatus,
    ServiceRecord,
    ServiceStatus,
)
from tests.factories import MemberFactory, UserFactory


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_drill(
    teams,
    day: datetime.date,
    *,
    status=EventStatus.HELD,
    members=(),
    title="防汛转移演练",
    hours=2,
) -> Drill:
    drill = Drill.objects.create(
        title=title,
        scenario="flood_evacuation",
        starts_at=at(day),
        ends_at=at(day, 9 + hours),
        place="社区广场",
        organiser="街道办",
        status=status,
        score=85 if status == EventStatus.HELD else None,
    )
    drill.teams.set(teams)
    for member in members:
        DrillParticipation.objects.create(
            drill=drill,
            member=member,
            minutes=hours * 60,
            method=AttendanceMethod.PAPER,
            checked_in_at=at(day, 10),
        )
    return drill


def record(member, day, hours, *, status=ServiceStatus.PENDING, entered_by=None, **fields):
    """A record written directly (no rules): for setting the scene."""
    return ServiceRecord.objects.create(
        member=member,
        activity=fields.pop("activity", "patrol"),
        date=day,
        hours=hours,
        description=fields.pop("description", "防汛巡查"),
        status=status,
        entered_by=entered_by,
        **fields,
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def people(world):
    """The world plus: the Liuzhou team's leader, a second Qingxiu member, a deputy."""
    liuzhou_leader_user = UserFactory(username="liuzhou-leader")
    liuzhou_leader = MemberFactory(
        team=world["liuzhou_team"], name="柳州队长", user=liuzhou_leader_user
    )
    world["liuzhou_team"].leader = liuzhou_leader
    world["liuzhou_team"].save()
    deputy_user = UserFactory(username="deputy")
    deputy = MemberFactory(team=world["qingxiu_team"], name="韦副队长", user=deputy_user)
    world["qingxiu_team"].deputy = deputy
    world["qingxiu_team"].save()
    teammate = MemberFactory(team=world["qingxiu_team"], name="黄队员")
    return {
        **world,
        "liuzhou_leader_user": liuzhou_leader_user,
        "liuzhou_leader": liuzhou_leader,
        "deputy_user": deputy_user,
        "deputy": deputy,
        "teammate": teammate,
    }


@pytest.fixture
def activity_admin_group(db):
    """Wagtail admin access with the permissions the 区域管理员 group gets for activities."""
    group, _ = Group.objects.get_or_create(name="测试演练管理")
    codenames = ["access_admin"] + [
        f"{action}_{model}"
        for model in (
            "drill",
            "trainingsession",
            "servicerecord",
            "trainingplan",
            "trainingplanitem",
        )
        for action in ("add", "change", "view", "delete")
    ]
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    return group
