"""The demo data of drills, sessions, hours and plans: there, usable, and stable."""

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest

from lms.models import (
    Drill,
    DrillParticipation,
    EventStatus,
    Instructor,
    ServiceRecord,
    ServiceStatus,
    SessionAttendance,
    TrainingPlan,
    TrainingPlanItem,
    TrainingSession,
)
from lms.selectors.activities import ItemState, plan_progress

pytestmark = pytest.mark.django_db

MODELS = [
    Drill,
    DrillParticipation,
    TrainingSession,
    SessionAttendance,
    ServiceRecord,
    TrainingPlan,
    TrainingPlanItem,
]


def _counts():
    counts = {m.__name__: m.objects.count() for m in MODELS}
    counts["history"] = sum(m.history.count() for m in MODELS)
    counts["taught"] = sorted(Instructor.objects.values_list("name", "taught_hours"))
    return counts


def test_seed_demo_twice_changes_nothing_for_activities(client):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first

    today = timezone.localdate()
    home = "新竹社区应急响应队"
    assert Drill.objects.filter(
        teams__name=home, status=EventStatus.PLANNED, starts_at__date__gt=today
    ).exists()
    assert Drill.objects.filter(teams__name=home, status=EventStatus.HELD).count() >= 3
    member = ServiceRecord.objects.filter(member__user__username="member")
    assert member.filter(status=ServiceStatus.VERIFIED, drill__isnull=False).exists()
    assert member.filter(status=ServiceStatus.VERIFIED, drill__isnull=True).exists()
    assert member.filter(status=ServiceStatus.PENDING).exists()
    assert TrainingSession.objects.filter(status=EventStatus.HELD).exists()
    assert Instructor.objects.filter(taught_hours__gt=0).exists()

    plan = TrainingPlan.objects.get(area__name="青秀区", year=today.year)
    states = {e.state for e in plan_progress(plan).items}
    assert {ItemState.PLANNED, ItemState.OVERDUE} <= states
    if today.timetuple().tm_yday > 20:
        assert ItemState.HELD in states

    # The demo accounts see them.
    client.login(username="leader", password="demo1234")
    verify = client.get(reverse("learn:hours_verify")).content.decode()
    assert "台风预警期间巡查危旧房屋" in verify  # the member's pending hours
    assert "组织夜间防汛值守" not in verify  # the leader's own: for someone else
    client.login(username="county", password="demo1234")
    assert "黄立新" in client.get(reverse("learn:plan", args=[plan.pk])).content.decode()
