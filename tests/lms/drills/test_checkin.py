"""Rotating check-in codes: a forged, expired or other-event code is refused, and a repeated
scan checks the member in once."""

import datetime

from django.urls import reverse
from django.utils import timezone

import pytest

from lms.checkin import WINDOW_SECONDS, checkin_token, checkin_verify
from lms.errors import DomainError
from lms.models import AttendanceMethod, DrillParticipation
from lms.services.drills import drill_cancel, drill_checkin
from lms.services.members import member_leave

from .conftest import new_drill

pytestmark = pytest.mark.django_db

WINDOW = datetime.timedelta(seconds=WINDOW_SECONDS)


def checkin_url(kind, pk, token):
    return reverse("learn:checkin") + f"?k={kind}&id={pk}&t={token}"


def test_a_code_works_in_its_window_and_the_next_only():
    now = timezone.now()
    token = checkin_token("drill", 7, now)
    checkin_verify("drill", 7, token, now)
    checkin_verify("drill", 7, token, now + WINDOW)  # scanned just before it changed
    with pytest.raises(DomainError, match="已过期"):
        checkin_verify("drill", 7, token, now + 2 * WINDOW)
    with pytest.raises(DomainError, match="已过期"):
        checkin_verify("drill", 7, token, now - WINDOW)  # not yet shown: never valid


def test_forged_and_foreign_codes_are_refused():
    now = timezone.now()
    token = checkin_token("drill", 7, now)
    value, signature = token.rsplit(":", 1)
    with pytest.raises(DomainError, match="无效"):
        checkin_verify("drill", 8, f"8.{value.split('.')[1]}:{signature}", now)
    with pytest.raises(DomainError, match="无效"):
        checkin_verify("drill", 7, "7.123:forged", now)
    with pytest.raises(DomainError, match="另一场"):
        checkin_verify("drill", 8, token, now)
    # A session's code is no drill's, even with the same id.
    with pytest.raises(DomainError, match="无效"):
        checkin_verify("drill", 7, checkin_token("session", 7, now), now)


def test_a_repeated_scan_checks_in_once(world, drill):
    member = world["member"]
    first, created = drill_checkin(member=member, token=checkin_token("drill", drill.pk))
    again, created_again = drill_checkin(
        member=member, token=checkin_token("drill", drill.pk), drill=drill
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert first.method == AttendanceMethod.QR
    assert DrillParticipation.objects.filter(drill=drill, member=member).count() == 1


def test_a_replayed_code_is_refused(world, drill):
    token = checkin_token("drill", drill.pk)
    later = timezone.now() + 3 * WINDOW
    with pytest.raises(DomainError, match="已过期"):
        drill_checkin(member=world["member"], token=token, now=later, drill=drill)
    assert not DrillParticipation.objects.exists()


def test_another_drills_code_is_refused(world, drill):
    second = new_drill(world["leader_user"], world["qingxiu_team"], title="第二场")
    with pytest.raises(DomainError, match="另一场"):
        drill_checkin(member=world["member"], token=checkin_token("drill", second.pk), drill=drill)
    assert not DrillParticipation.objects.exists()


def test_only_active_members_of_the_drills_teams_check_in(world, drill):
    token = checkin_token("drill", drill.pk)
    with pytest.raises(DomainError, match="不是参演队伍的队员"):
        drill_checkin(member=world["other"], token=token)
    member_leave(member=world["member"], left_on=timezone.localdate())
    with pytest.raises(DomainError, match="已离队"):
        drill_checkin(
            member=world["member"].__class__.objects.get(pk=world["member"].pk), token=token
        )


def test_check_in_is_open_from_an_hour_before_to_two_hours_after(world):
    drill = new_drill(world["leader_user"], world["qingxiu_team"], starts_in=120)
    token = checkin_token("drill", drill.pk)
    with pytest.raises(DomainError, match="尚未开始"):
        drill_checkin(member=world["member"], token=token)
    past = new_drill(world["leader_user"], world["qingxiu_team"], starts_in=-300, minutes=60)
    with pytest.raises(DomainError, match="签到已结束"):
        drill_checkin(member=world["member"], token=checkin_token("drill", past.pk))
    early = new_drill(world["leader_user"], world["qingxiu_team"], starts_in=50)
    _p, created = drill_checkin(member=world["member"], token=checkin_token("drill", early.pk))
    assert created


def test_a_cancelled_drill_takes_no_check_in(world, drill):
    drill_cancel(by=world["leader_user"], drill=drill, reason="台风预警，改期")
    with pytest.raises(DomainError, match="已结束登记（或已取消）"):
        drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))


# -- the page the QR code opens ----------------------------------------------------------


def test_the_member_opens_the_code_and_is_checked_in_once(client, world, drill):
    client.force_login(world["member_user"])
    url = checkin_url("drill", drill.pk, checkin_token("drill", drill.pk))
    response = client.get(url)
    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    assert drill.title in response.content.decode()
    response = client.get(url)
    assert "已经签到过了" in response.content.decode()
    assert DrillParticipation.objects.filter(drill=drill).count() == 1


def test_the_page_refuses_an_expired_or_foreign_code(client, world, drill, monkeypatch):
    client.force_login(world["member_user"])
    token = checkin_token("drill", drill.pk, timezone.now() - 3 * WINDOW)
    response = client.get(checkin_url("drill", drill.pk, token))
    assert response.status_code == 400
    assert "已过期" in response.content.decode()
    second = new_drill(world["leader_user"], world["qingxiu_team"], title="第二场")
    response = client.get(checkin_url("drill", drill.pk, checkin_token("drill", second.pk)))
    assert response.status_code == 400
    assert "另一场" in response.content.decode()
    assert not DrillParticipation.objects.exists()


def test_another_teams_member_gets_404(client, world, other_drill):
    client.force_login(world["member_user"])
    response = client.get(
        checkin_url("drill", other_drill.pk, checkin_token("drill", other_drill.pk))
    )
    assert response.status_code == 404
    assert not DrillParticipation.objects.exists()


def test_signing_in_after_the_scan_still_counts(client, world, drill, monkeypatch):
    """The code changes while the member types their password: the scan time counts."""
    url = checkin_url("drill", drill.pk, checkin_token("drill", drill.pk))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    scanned = timezone.now()
    later = scanned + datetime.timedelta(seconds=100)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.force_login(world["member_user"])
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()
    participation = DrillParticipation.objects.get(drill=drill)
    assert participation.member == world["member"]
    assert abs((participation.checked_in_at - scanned).total_seconds()) < 5
    # Without a scan of their own, the same old link is refused.
    other = client.__class__()
    other.force_login(world["leader_user"])
    assert other.get(url).status_code == 400


def test_an_anonymous_visitor_with_a_bad_code_is_told_so(client, drill):
    response = client.get(checkin_url("drill", drill.pk, "junk"))
    assert response.status_code == 400
    assert "无效" in response.content.decode()
    response = client.get(reverse("learn:checkin"))
    assert response.status_code == 400
