"""Service hours through the JSON API: my hours, recording, verifying, and scope."""

import json

import pytest

from lms.models import ServiceRecord, ServiceStatus
from lms.services.hours import months_before

from .conftest import record

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_my_hours(client, people, today):
    record(people["member"], today, 2, status=ServiceStatus.VERIFIED)
    record(people["member"], today, 1.5)
    record(people["teammate"], today, 8)
    client.force_login(people["member_user"])
    body = client.get(f"{API}/me/hours").json()
    assert body["verified_year"] == 2 and body["pending"] == 1.5
    assert [r["hours"] for r in body["records"]] == [1.5, 2]
    assert body["records"][0]["status"] == {"code": "pending", "label": "待核实"}
    assert body["member"]["name"] == "陆队员"


def test_my_hours_without_member_record_is_400(client, people):
    client.force_login(people["qingxiu_admin"])
    response = client.get(f"{API}/me/hours")
    assert response.status_code == 400
    assert "尚未登记为队员" in response.json()["detail"]


def test_record_own_hours(client, people, today):
    client.force_login(people["member_user"])
    response = _post(
        client,
        f"{API}/hours",
        {"activity": "rescue", "date": today.isoformat(), "hours": 3, "description": "转移群众"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"]["code"] == "pending" and body["source"] == "manual"
    assert body["entered_by"] == "member"


def test_record_refusals_are_400_with_reason(client, people, today):
    client.force_login(people["member_user"])
    base = {"activity": "patrol", "description": "巡查"}
    response = _post(client, f"{API}/hours", {**base, "date": today.isoformat(), "hours": 25})
    assert response.status_code == 400
    assert response.json()["field"] == "hours" and "24 小时" in response.json()["detail"]
    response = _post(
        client, f"{API}/hours", {**base, "date": months_before(today, 4).isoformat(), "hours": 2}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "只能登记最近 3 个月内的服务时长。"
    _post(client, f"{API}/hours", {**base, "date": today.isoformat(), "hours": 20})
    response = _post(client, f"{API}/hours", {**base, "date": today.isoformat(), "hours": 5})
    assert response.status_code == 400
    assert ServiceRecord.objects.count() == 1


def test_recording_for_someone_outside_scope_is_404(client, people, today):
    client.force_login(people["member_user"])
    payload = {
        "member_id": people["teammate"].pk,
        "activity": "patrol",
        "date": today.isoformat(),
        "hours": 2,
        "description": "x",
    }
    assert _post(client, f"{API}/hours", payload).status_code == 404
    client.force_login(people["liuzhou_leader_user"])
    assert _post(client, f"{API}/hours", payload).status_code == 404
    client.force_login(people["leader_user"])
    assert _post(client, f"{API}/hours", payload).status_code == 201


def test_verify_and_reject(client, people, today):
    rec = record(people["member"], today, 2, entered_by=people["member_user"])
    client.force_login(people["leader_user"])
    response = _post(client, f"{API}/hours/{rec.pk}/verify")
    assert response.status_code == 200
    assert response.json()["status"]["code"] == "verified"
    assert response.json()["verified_by"] == "leader"
    other = record(people["member"], today, 1, entered_by=people["member_user"])
    response = _post(client, f"{API}/hours/{other.pk}/reject", {"reason": "时长有误"})
    assert response.json()["reject_reason"] == "时长有误"


def test_leader_cannot_verify_own_hours_through_api(client, people, today):
    rec = record(people["leader"], today, 2, entered_by=people["leader_user"])
    client.force_login(people["leader_user"])
    response = _post(client, f"{API}/hours/{rec.pk}/verify")
    assert response.status_code == 400
    assert "不能核实自己登记或本人的服务时长" in response.json()["detail"]
    rec.refresh_from_db()
    assert rec.status == ServiceStatus.PENDING


@pytest.mark.parametrize("who", ["liuzhou_leader_user", "liuzhou_admin", "member_user"])
def test_verify_outside_scope_is_404(client, people, today, who):
    rec = record(people["teammate"], today, 2, entered_by=people["leader_user"])
    client.force_login(people[who])
    assert _post(client, f"{API}/hours/{rec.pk}/verify").status_code == 404
    assert _post(client, f"{API}/hours/{rec.pk}/reject", {"reason": "x"}).status_code == 404
    rec.refresh_from_db()
    assert rec.status == ServiceStatus.PENDING


def test_anonymous_is_401(client, people, today):
    rec = record(people["member"], today, 2)
    assert client.get(f"{API}/me/hours").status_code == 401
    assert _post(client, f"{API}/hours", {}).status_code == 401
    assert _post(client, f"{API}/hours/{rec.pk}/verify").status_code == 401
