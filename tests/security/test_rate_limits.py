"""Rate limits, from the outside: sign-in per address, check-in per member, the JSON API per
user (anonymous callers per address), the certificate lookup per address.

The limits are off in the test settings; each test sets a small one. The counters' clock
(lms.ratelimit._now) is held 5 seconds into a 60-second window, so a refusal says 55 seconds.
"""

from wagtail.models import APIToken

import pytest

from cms.settings.base import env_rate
from lms import ratelimit
from lms.checkin import checkin_token
from lms.models import DrillParticipation
from tests.factories import PASSWORD
from tests.lms import conftest as lms_conftest
from tests.lms.drills.conftest import new_drill

# tests/lms' `world` (two counties, a team each, their administrators, a leader, a member).
world = lms_conftest.world

WINDOW_START = 1_800_000_000.0  # 60 divides it
ADDRESS = "203.0.113.9"


@pytest.fixture
def clock(monkeypatch):
    now = {"t": WINDOW_START + 5}
    monkeypatch.setattr(ratelimit, "_now", lambda: now["t"])
    return now


def next_window(clock):
    clock["t"] = WINDOW_START + 60 + 5


# -- sign-in, per client address --------------------------------------------------------------


def sign_in(client, username, password, address=ADDRESS, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_sign_in_posts_are_limited_per_address_whatever_the_username(
    client, world, clock, settings
):
    settings.LOGIN_RATE = (3, 60)
    for username in ("member", "leader", "qingxiu-admin"):
        assert sign_in(client, username, "wrong").status_code == 200
    refused = sign_in(client, "member", PASSWORD)  # the right password, over the limit
    assert refused.status_code == 429
    assert refused["Retry-After"] == "55"
    assert "登录尝试过于频繁，请 55 秒后再试" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The Wagtail admin's sign-in form shares the count.
    assert sign_in(client, "qingxiu-admin", PASSWORD, path="/admin/login/").status_code == 429
    # Another address gets in; this one does again in the next window.
    assert sign_in(client, "member", PASSWORD, address="198.51.100.30").status_code == 302
    client.logout()
    next_window(clock)
    assert sign_in(client, "member", PASSWORD).status_code == 302


def test_showing_the_sign_in_form_is_not_counted(client, world, clock, settings):
    settings.LOGIN_RATE = (2, 60)
    for _ in range(5):
        assert client.get("/accounts/login/", REMOTE_ADDR=ADDRESS).status_code == 200
    assert sign_in(client, "member", PASSWORD).status_code == 302


# -- check-in, per member ---------------------------------------------------------------------


@pytest.fixture
def drill(world):
    return new_drill(world["leader_user"], world["qingxiu_team"])


def scan(client, drill):
    token = checkin_token("drill", drill.pk)
    return client.get(f"/learn/checkin/?k=drill&id={drill.pk}&t={token}")


def api_checkin(client, drill, **headers):
    body = {"kind": "drill", "id": drill.pk, "token": checkin_token("drill", drill.pk)}
    return client.post("/api/v1/checkin", body, content_type="application/json", **headers)


def test_check_ins_are_limited_per_member(client, world, drill, clock, settings):
    settings.CHECKIN_RATE = (2, 60)
    client.force_login(world["member_user"])
    assert scan(client, drill).status_code == 200
    assert scan(client, drill).status_code == 200  # 已经签到过了
    refused = scan(client, drill)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "55"
    assert "签到过于频繁，请 55 秒后再扫码" in refused.content.decode()
    # The API's check-in draws on the same allowance.
    api_refused = api_checkin(client, drill)
    assert api_refused.status_code == 429
    assert api_refused["Retry-After"] == "55"
    assert "签到过于频繁" in api_refused.json()["detail"]
    # Another member is not held up by this one.
    client.force_login(world["leader_user"])
    assert scan(client, drill).status_code == 200
    next_window(clock)
    client.force_login(world["member_user"])
    assert scan(client, drill).status_code == 200
    assert DrillParticipation.objects.filter(drill=drill).count() == 2


def test_a_refused_check_in_writes_nothing(client, world, drill, clock, settings):
    settings.CHECKIN_RATE = (1, 60)
    client.force_login(world["leader_user"])
    scan(client, drill)  # uses the leader's one check-in of the window
    assert scan(client, drill).status_code == 429
    client.force_login(world["member_user"])
    assert api_checkin(client, drill).status_code == 200
    client.force_login(world["leader_user"])
    assert api_checkin(client, drill).status_code == 429
    assert set(
        DrillParticipation.objects.filter(drill=drill).values_list("member__name", flat=True)
    ) == {"蒙队长", "陆队员"}


# -- the JSON API, per user ---------------------------------------------------------------------


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_api_is_limited_per_user_across_tokens_and_session(client, world, clock, settings):
    settings.API_RATE = (3, 60)
    user = world["qingxiu_admin"]
    _t, first = APIToken.create_token(user=user, name="报表系统")
    _t, second = APIToken.create_token(user=user, name="名册同步")
    assert client.get("/api/v1/me", **bearer(first)).status_code == 200
    assert client.get("/api/v1/me", **bearer(second)).status_code == 200
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200
    for refused in (
        client.get("/api/v1/me"),
        client.get("/api/v1/me", **bearer(first)),
        client.get("/api/v1/teams", **bearer(second)),
    ):
        assert refused.status_code == 429
        assert refused["Retry-After"] == "55"
        body = refused.json()
        assert body["retry_after"] == 55
        assert body["detail"] == "请求过于频繁（每 60 秒最多 3 次），请 55 秒后再试。"
    # Someone else's token still works; this user's works again in the next window.
    _t, others = APIToken.create_token(user=world["liuzhou_admin"], name="报表系统")
    assert client.get("/api/v1/me", **bearer(others)).status_code == 200
    next_window(clock)
    assert client.get("/api/v1/me", **bearer(first)).status_code == 200


def test_a_bad_token_is_refused_as_such_not_counted_against_the_user(
    client, world, clock, settings
):
    settings.API_RATE = (2, 60)
    _t, token = APIToken.create_token(user=world["qingxiu_admin"], name="报表系统")
    for _ in range(5):
        assert client.get("/api/v1/me", **bearer("wagtail_" + "x" * 40)).status_code == 401
    assert client.get("/api/v1/me", **bearer(token)).status_code == 200


def test_the_public_verify_endpoint_is_limited_per_address(client, db, clock, settings):
    settings.API_RATE = (2, 60)
    url = "/api/v1/verify/AAAAAAAAAAAAAAAAAAAAAA"
    for _ in range(2):
        assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 404
    refused = client.get(url, REMOTE_ADDR=ADDRESS)
    assert refused.status_code == 429 and refused["Retry-After"] == "55"
    assert "请求过于频繁" in refused.json()["detail"]
    assert client.get(url, REMOTE_ADDR="198.51.100.40").status_code == 404


# -- the certificate lookup form, per address (lms/views/verify.py) ----------------------------


def lookup(client, address=ADDRESS):
    return client.post(
        "/verify/", {"serial": "GX-2026-450102-000123", "name": "陆某某"}, REMOTE_ADDR=address
    )


def test_the_certificate_lookup_is_limited_per_address(client, db, clock, settings):
    settings.CERTIFICATE_LOOKUP_RATE = (2, 60)
    assert [lookup(client).status_code for _ in range(2)] == [200, 200]
    refused = lookup(client)
    assert refused.status_code == 429 and refused["Retry-After"] == "55"
    assert "查询过于频繁，请 55 秒后再试" in refused.content.decode()
    assert lookup(client, address="198.51.100.50").status_code == 200
    next_window(clock)
    assert lookup(client).status_code == 200


# -- the settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "rate"),
    [("30/60", (30, 60)), ("5/300", (5, 300)), ("12", (12, 60)), ("off", None), ("0", None)],
)
def test_a_rate_is_read_from_the_environment(monkeypatch, written, rate):
    monkeypatch.setenv("SOME_RATE", written)
    assert env_rate("SOME_RATE", "1/1") == rate


@pytest.mark.parametrize("written", ["lots", "5/0", "-1/60", "5/minute"])
def test_a_malformed_rate_stops_the_start(monkeypatch, written):
    monkeypatch.setenv("SOME_RATE", written)
    with pytest.raises(ValueError, match="SOME_RATE"):
        env_rate("SOME_RATE", "1/1")


def test_a_limit_set_to_off_never_refuses(client, world, clock, settings):
    settings.API_RATE = None
    settings.LOGIN_RATE = None
    client.force_login(world["member_user"])
    assert all(client.get("/api/v1/me").status_code == 200 for _ in range(20))
    client.logout()
    assert all(sign_in(client, "member", "wrong").status_code == 200 for _ in range(20))
