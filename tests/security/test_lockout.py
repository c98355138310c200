"""Sign-in lockout (django-axes), from the outside: what someone guessing a password sees.

Axes is off in the test settings (the suite signs in with client.login); these tests turn it
on, sign in only through the forms, and move a fake clock instead of sleeping.
"""

import datetime

from django.utils import timezone

import axes.attempts
import axes.handlers.proxy
import pytest

from tests.factories import PASSWORD
from tests.lms import conftest as lms_conftest

# tests/lms' `world` (two counties, a team each, their administrators, a leader, a member).
world = lms_conftest.world

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ADDRESS = "203.0.113.5"
WRONG = "not-the-password"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    settings.TRUSTED_PROXY_COUNT = 0
    settings.LOGIN_RATE = None  # the per-address limit has its own tests


@pytest.fixture
def clock(monkeypatch, axes_on):
    """The time everyone reads (Django, axes), held still until a test moves it."""
    now = {"t": timezone.now().replace(microsecond=0)}
    read = lambda: now["t"]  # noqa: E731
    monkeypatch.setattr(timezone, "now", read)
    monkeypatch.setattr(axes.handlers.proxy, "now", read)
    monkeypatch.setattr(axes.attempts, "now", read)
    return now


def sign_in(client, username, password, address=ADDRESS, path=LOGIN, **extra):
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username, times, **kwargs):
    """`times` wrong passwords; each refused the ordinary way until the limit is reached."""
    return [sign_in(client, username, WRONG, **kwargs) for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, world, clock):
    first_four = fail(client, "member", 4)
    assert [r.status_code for r in first_four] == [200] * 4
    assert "用户名或密码不正确" in first_four[-1].content.decode()
    fifth = sign_in(client, "member", WRONG)
    assert fifth.status_code == 429

    sixth = sign_in(client, "member", PASSWORD)  # the right password, too late
    assert sixth.status_code == 429
    assert not signed_in(client)
    assert client.get("/learn/").status_code == 302  # still sent to sign in


def test_the_lockout_page_says_when_to_try_again(client, world, clock):
    fail(client, "member", 5)
    page = sign_in(client, "member", PASSWORD)
    assert page.status_code == 429
    assert page["Retry-After"] == "1800"
    text = page.content.decode()
    until = timezone.localtime(clock["t"] + datetime.timedelta(minutes=30))
    assert "登录已暂时锁定" in text
    assert f"请在 {until:%H:%M} 之后再试（约 30 分钟后）" in text
    assert "连续 5 次密码错误" in text
    assert PASSWORD not in text and WRONG not in text

    # Ten minutes on, the page counts down; the try in between did not restart the clock.
    clock["t"] += datetime.timedelta(minutes=10)
    later = sign_in(client, "member", PASSWORD)
    assert later.status_code == 429
    assert later["Retry-After"] == "1200"
    assert f"请在 {until:%H:%M} 之后再试（约 20 分钟后）" in later.content.decode()


def test_the_lockout_lifts_after_the_cool_off(client, world, clock):
    fail(client, "member", 5)
    clock["t"] += datetime.timedelta(minutes=29)
    assert sign_in(client, "member", PASSWORD).status_code == 429
    clock["t"] += datetime.timedelta(minutes=1, seconds=1)
    response = sign_in(client, "member", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_successful_sign_in_clears_the_count(client, world, clock):
    fail(client, "member", 4)
    assert sign_in(client, "member", PASSWORD).status_code == 302
    client.logout()
    assert [r.status_code for r in fail(client, "member", 4)] == [200] * 4
    assert sign_in(client, "member", WRONG).status_code == 429  # five since the success


def test_a_mobile_number_counts_as_the_account_it_opens(client, world, clock):
    phone = world["member"].phone
    # The number signs in like the username does.
    assert sign_in(client, phone, PASSWORD).status_code == 302
    client.logout()

    assert [r.status_code for r in fail(client, phone, 3)] == [200] * 3
    assert [r.status_code for r in fail(client, "member", 1)] == [200]
    assert sign_in(client, phone, WRONG).status_code == 429  # the fifth, by either name
    for name in (phone, "member", f" {phone} "):
        assert sign_in(client, name, PASSWORD).status_code == 429, name
    assert not signed_in(client)


def test_the_lockout_is_per_account_and_address(client, world, clock):
    fail(client, "member", 5)
    assert sign_in(client, "member", PASSWORD).status_code == 429
    # Another account from the same address, and the same account from elsewhere, get in.
    assert sign_in(client, "leader", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "member", PASSWORD, address="198.51.100.20").status_code == 302


def test_an_ipv6_host_cannot_escape_by_changing_its_address(client, world, clock):
    for n in range(1, 6):
        sign_in(client, "member", WRONG, address=f"2001:db8:1:2::{n:x}")
    assert sign_in(client, "member", PASSWORD, address="2001:db8:1:2:ab::1").status_code == 429
    assert sign_in(client, "member", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_behind_a_proxy_the_forwarded_client_is_counted(client, world, clock, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for _ in range(5):
        sign_in(client, "member", WRONG, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    # A forged entry on the left does not make the same client someone else…
    locked = sign_in(
        client,
        "member",
        PASSWORD,
        address=proxy,
        HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7",
    )
    assert locked.status_code == 429
    # …and another client behind the same proxy is not locked out with it.
    other = sign_in(client, "member", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302


def test_the_admin_sign_in_counts_and_is_refused_too(client, world, clock):
    for _ in range(5):
        sign_in(client, "qingxiu-admin", WRONG, path=ADMIN_LOGIN)
    refused = sign_in(client, "qingxiu-admin", PASSWORD, path=ADMIN_LOGIN)
    assert refused.status_code == 429
    assert "登录已暂时锁定" in refused.content.decode()
    assert sign_in(client, "qingxiu-admin", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_with_axes_off_nothing_is_counted(client, world, settings):
    settings.AXES_ENABLED = False
    settings.LOGIN_RATE = None
    fail(client, "member", 8)
    assert sign_in(client, "member", PASSWORD).status_code == 302
