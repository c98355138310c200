"""The events API: upcoming drills and sessions, and check-in with a scanned code."""

import datetime

from django.urls import reverse
from django.utils import timezone

import pytest

from lms.checkin import checkin_token
from lms.models import DrillParticipation

from .conftest import new_drill

pytestmark = pytest.mark.django_db

CHECKIN = "/api/v1/checkin"
UPCOMING = "/api/v1/events/upcoming"


def post(client, body):
    return client.post(CHECKIN, body, content_type="application/json")


def test_check_in_once_through_the_api(client, world, drill):
    client.force_login(world["member_user"])
    body = {"kind": "drill", "id": drill.pk, "token": checkin_token("drill", drill.pk)}
    first = post(client, body)
    assert first.status_code == 200, first.content
    assert first.json()["checked_in"] is True and first.json()["created"] is True
    again = post(client, body)
    assert again.json()["created"] is False
    assert DrillParticipation.objects.filter(drill=drill).count() == 1


def test_bad_tokens_are_a_400_with_the_reason(client, world, drill):
    client.force_login(world["member_user"])
    expired = checkin_token("drill", drill.pk, timezone.now() - datetime.timedelta(minutes=2))
    response = post(client, {"kind": "drill", "id": drill.pk, "token": expired})
    assert response.status_code == 400
    assert "已过期" in response.json()["detail"] and response.json()["field"] == "token"
    response = post(client, {"kind": "drill", "id": drill.pk, "token": "forged"})
    assert response.status_code == 400 and "无效" in response.json()["detail"]
    second = new_drill(world["leader_user"], world["qingxiu_team"], title="另一场")
    response = post(
        client, {"kind": "drill", "id": drill.pk, "token": checkin_token("drill", second.pk)}
    )
    assert response.status_code == 400 and "另一场" in response.json()["detail"]
    assert not DrillParticipation.objects.exists()


def test_an_event_out_of_scope_is_a_404(client, world, other_drill):
    token = checkin_token("drill", other_drill.pk)
    for who in ("member_user", "leader_user", "qingxiu_admin"):
        client.force_login(world[who])
        response = post(client, {"kind": "drill", "id": other_drill.pk, "token": token})
        assert response.status_code == 404, who
        assert other_drill.title not in client.get(UPCOMING).content.decode()
    client.logout()
    assert post(client, {"kind": "drill", "id": other_drill.pk, "token": token}).status_code == 401


def test_upcoming_events_in_the_callers_scope(client, world, drill, other_drill, session):
    client.force_login(world["member_user"])
    events = client.get(UPCOMING).json()
    assert {(e["kind"], e["id"]) for e in events} == {("drill", drill.pk), ("session", session.pk)}
    first = next(e for e in events if e["kind"] == "drill")
    assert first["status"] == {"code": "planned", "label": "计划中"}
    assert first["url"].endswith(reverse("learn:drill", args=[drill.pk]))
    assert first["checked_in"] is False
    post(
        client, {"kind": "session", "id": session.pk, "token": checkin_token("session", session.pk)}
    )
    events = client.get(UPCOMING + "?kind=session").json()
    assert [e["checked_in"] for e in events] == [True]
