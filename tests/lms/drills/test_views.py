"""The drill and session pages: who sees what (404 outside the scope, sign-in for the
anonymous), the leader's pages, the paper sheet, closing, photos."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from lms.checkin import checkin_token
from lms.models import DrillParticipation, EventStatus, ServiceRecord
from lms.services.drills import drill_checkin, drill_photo_add
from lms.services.sessions import session_checkin

from .conftest import png_bytes, reload

pytestmark = pytest.mark.django_db


def drill_urls(drill, participation=None, photo=None):
    urls = [
        reverse("learn:drill", args=[drill.pk]),
        reverse("learn:drill_edit", args=[drill.pk]),
        reverse("learn:drill_qr", args=[drill.pk]),
        reverse("learn:drill_qr_token", args=[drill.pk]),
        reverse("learn:drill_attendance", args=[drill.pk]),
        reverse("learn:drill_close", args=[drill.pk]),
        reverse("learn:drill_cancel", args=[drill.pk]),
        reverse("learn:drill_photo_add", args=[drill.pk]),
    ]
    if participation is not None:
        urls.append(reverse("learn:drill_participation", args=[drill.pk, participation.pk]))
    if photo is not None:
        urls.append(reverse("learn:drill_photo", args=[drill.pk, photo.pk]))
    return urls


def session_urls(session, attendance=None):
    urls = [
        reverse(f"learn:{name}", args=[session.pk])
        for name in (
            "session",
            "session_edit",
            "session_qr",
            "session_qr_token",
            "session_attendance",
            "session_close",
            "session_cancel",
        )
    ]
    if attendance is not None:
        urls.append(reverse("learn:session_attendance_remove", args=[session.pk, attendance.pk]))
    return urls


@pytest.fixture
def filled_drill(world, other_drill):
    """The 柳州 drill with someone on its roll and a photo."""
    participation, _ = drill_checkin(
        member=world["other"], token=checkin_token("drill", other_drill.pk)
    )
    photo = drill_photo_add(
        by=world["liuzhou_admin"],
        drill=other_drill,
        image_file=SimpleUploadedFile("p.png", png_bytes()),
    )
    return other_drill, participation, photo


@pytest.mark.parametrize("who", ["leader_user", "qingxiu_admin", "member_user"])
def test_another_teams_drill_is_not_found_on_any_url(client, world, filled_drill, who):
    drill, participation, photo = filled_drill
    client.force_login(world[who])
    for url in drill_urls(drill, participation, photo):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "score": 1, "went_well": "x"}).status_code == 404, (
            url
        )
    assert drill.title not in client.get(reverse("learn:drills") + "?show=all").content.decode()
    assert reload(drill).status == EventStatus.PLANNED
    assert DrillParticipation.objects.filter(drill=drill).count() == 1


def test_the_anonymous_are_sent_to_sign_in(client, filled_drill, session):
    drill, participation, photo = filled_drill
    urls = drill_urls(drill, participation, photo) + session_urls(session)
    urls += [
        reverse(n)
        for n in ("learn:drills", "learn:sessions", "learn:calendar", "learn:drill_create")
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_a_member_sees_the_drill_but_not_the_leaders_pages(client, world, drill):
    client.force_login(world["member_user"])
    response = client.get(reverse("learn:drill", args=[drill.pk]))
    assert response.status_code == 200
    assert drill.title in response.content.decode()
    assert reverse("learn:drill_qr", args=[drill.pk]) not in response.content.decode()
    for url in drill_urls(drill)[1:]:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("learn:drill_create")).status_code == 404


def test_the_leader_plans_a_drill_through_the_form(client, world):
    client.force_login(world["leader_user"])
    page = client.get(reverse("learn:drill_create"))
    assert page.status_code == 200
    assert f'value="{world["qingxiu_team"].pk}"' in page.content.decode()
    assert world["qingxiu_team"].name in page.content.decode()
    assert world["liuzhou_team"].name not in page.content.decode()
    response = client.post(
        reverse("learn:drill_create"),
        {
            "title": "地震疏散演练",
            "scenario": "earthquake",
            "teams": [world["qingxiu_team"].pk],
            "starts_at": "2030-05-12T09:00",
            "ends_at": "2030-05-12T11:00",
            "place": "新竹小学",
            "organiser": "新竹社区",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "地震疏散演练" in page.content.decode()
    # Another team in the form is refused, not silently dropped.
    response = client.post(
        reverse("learn:drill_create"),
        {
            "title": "越权",
            "scenario": "fire",
            "teams": [world["liuzhou_team"].pk],
            "starts_at": "2030-05-12T09:00",
            "ends_at": "2030-05-12T11:00",
            "place": "x",
            "organiser": "x",
        },
    )
    assert response.status_code == 200
    assert "越权" not in [d.title for d in world["qingxiu_team"].drills.all()]


def test_qr_page_and_token_endpoint(client, world, drill):
    client.force_login(world["leader_user"])
    page = client.get(reverse("learn:drill_qr", args=[drill.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-checkin-qr" in html and "data:image/svg+xml" in html
    assert "<script>" not in html and "onclick" not in html
    state = client.get(reverse("learn:drill_qr_token", args=[drill.pk])).json()
    assert state["url"].startswith("http://testserver/learn/checkin/?k=drill&id=")
    assert 1 <= state["expires_in"] <= 30
    assert state["checked_in"] == 0
    # The token in the QR code checks a member in.
    member = client.__class__()
    member.force_login(world["member_user"])
    assert "签到成功" in member.get(state["url"]).content.decode()
    assert client.get(reverse("learn:drill_qr_token", args=[drill.pk])).json()["checked_in"] == 1


def test_paper_sheet_close_and_the_roll(client, world, drill):
    client.force_login(world["leader_user"])
    sheet = client.get(reverse("learn:drill_attendance", args=[drill.pk]))
    assert world["member"].name in sheet.content.decode()
    assert world["other"].name not in sheet.content.decode()
    member, leader = world["member"], world["leader"]
    response = client.post(
        reverse("learn:drill_attendance", args=[drill.pk]),
        {
            f"on-{member.pk}": "1",
            f"role-{member.pk}": "safety",
            f"minutes-{member.pk}": "60",
            f"on-{leader.pk}": "1",
            f"role-{leader.pk}": "commander",
            f"minutes-{leader.pk}": "-5",
        },
    )
    assert response.status_code == 200
    assert "没有登记任何人" in response.content.decode() or "0 到 1440" in response.content.decode()
    assert not DrillParticipation.objects.exists()
    response = client.post(
        reverse("learn:drill_attendance", args=[drill.pk]),
        {f"on-{member.pk}": "1", f"role-{member.pk}": "safety", f"minutes-{member.pk}": "60"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("learn:drill_close", args=[drill.pk]),
        {"score": "88", "went_well": "分工明确", "problems": "", "improvements": ""},
    )
    assert response.status_code == 302
    page = client.get(reverse("learn:drill", args=[drill.pk])).content.decode()
    assert "分工明确" in page and "安全员" in page and "已核实" in page
    assert ServiceRecord.objects.get(drill=drill).hours == 1
    # The member sees their own hours on the drill page.
    client.force_login(world["member_user"])
    page = client.get(reverse("learn:drill", args=[drill.pk])).content.decode()
    assert "服务时长 1.0 小时" in page and "已核实" in page


def test_correction_page_records_the_reason(client, world, drill):
    participation, _ = drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))
    client.force_login(world["leader_user"])
    url = reverse("learn:drill_participation", args=[drill.pk, participation.pk])
    response = client.post(url, {"role": "observer", "minutes": "30", "reason": "只观摩"})
    assert response.status_code == 302
    page = client.get(reverse("learn:drill", args=[drill.pk])).content.decode()
    assert "只观摩" in page and "观摩" in page


def test_photos_are_served_within_the_scope_only(client, world, drill):
    client.force_login(world["leader_user"])
    response = client.post(
        reverse("learn:drill_photo_add", args=[drill.pk]),
        {"image": SimpleUploadedFile("scene.png", png_bytes()), "caption": "集合"},
    )
    assert response.status_code == 302
    photo = drill.photos.get()
    url = reverse("learn:drill_photo", args=[drill.pk, photo.pk])
    client.force_login(world["member_user"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(world["liuzhou_admin"])
    assert client.get(url).status_code == 404
    response = client.post(
        reverse("learn:drill_photo_add", args=[drill.pk]),
        {"image": SimpleUploadedFile("x.png", b"junk")},
    )
    assert response.status_code == 404


def test_lists_filter_upcoming_and_held(client, world, drill, other_drill):
    client.force_login(world["qingxiu_admin"])
    upcoming = client.get(reverse("learn:drills")).content.decode()
    assert drill.title in upcoming and other_drill.title not in upcoming
    held = client.get(reverse("learn:drills") + "?show=held").content.decode()
    assert drill.title not in held


# -- sessions ------------------------------------------------------------------------


def test_another_countys_admin_cannot_reach_the_session(client, world, session):
    attendance, _ = session_checkin(
        member=world["member"], token=checkin_token("session", session.pk)
    )
    for who in ("liuzhou_admin", "leader_user"):
        client.force_login(world[who])
        for url in session_urls(session, attendance)[1:]:
            assert client.get(url).status_code == 404, (who, url)
    client.force_login(world["liuzhou_admin"])
    assert client.get(reverse("learn:session", args=[session.pk])).status_code == 404
    # The team's leader sees the session (their team attends) but does not run it.
    client.force_login(world["leader_user"])
    assert client.get(reverse("learn:session", args=[session.pk])).status_code == 200


def test_the_instructor_runs_the_session(client, world, session, instructor):
    client.force_login(instructor.user)
    assert client.get(reverse("learn:session_qr", args=[session.pk])).status_code == 200
    response = client.post(
        reverse("learn:session_attendance", args=[session.pk]), {f"on-{world['member'].pk}": "1"}
    )
    assert response.status_code == 302
    response = client.post(reverse("learn:session_close", args=[session.pk]))
    assert response.status_code == 302
    assert reload(instructor).taught_hours == 2
    page = client.get(reverse("learn:session", args=[session.pk])).content.decode()
    assert "已核实" in page and world["member"].name in page
    # Closing again from a stale page changes nothing.
    client.post(reverse("learn:session_close", args=[session.pk]))
    assert reload(instructor).taught_hours == 2


def test_the_session_form(client, world, course, instructor):
    client.force_login(world["qingxiu_admin"])
    page = client.get(reverse("learn:session_create")).content.decode()
    assert world["qingxiu_team"].name in page and instructor.name in page
    assert world["liuzhou_team"].name not in page
    response = client.post(
        reverse("learn:session_create"),
        {
            "title": "心肺复苏实操",
            "course": course.pk,
            "area": world["areas"]["qingxiu"].pk,
            "teams": [world["qingxiu_team"].pk],
            "instructors": [instructor.pk],
            "starts_at": "2030-06-01T09:00",
            "ends_at": "2030-06-01T12:00",
            "place": "青秀区培训中心",
            "credit_hours": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()
    client.force_login(world["leader_user"])
    assert client.get(reverse("learn:session_create")).status_code == 404
