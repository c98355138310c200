"""A drill on the day: the leader shows the rotating QR code on a phone, a member checks in
from their own phone, the leader sees them on the roll, closes the drill with an
evaluation, and the member's hours appear as verified.

The demo data (`seed_demo`) supplies the team, the leader and the member; the drill itself
is planned with the service, starting now, so that check-in is open.
"""

import datetime
import re

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from lms.models import DrillParticipation, Member, ServiceRecord, ServiceStatus
from lms.scope import scope_for
from lms.services.drills import drill_create

from .admin import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
TITLE = "新竹社区夜间防汛转移演练（扫码测试）"


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width}px wide at {PHONE_WIDTH}px"


def sign_in(page, username):
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()


@pytest.fixture
def drill(demo_site):
    leader = get_user_model().objects.get(username="leader")
    team = scope_for(leader).managed_teams().get()
    starts_at = timezone.now() - datetime.timedelta(minutes=10)
    return drill_create(
        by=leader,
        title=TITLE,
        scenario="flood_evacuation",
        teams=[team],
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
        place="新竹社区文化广场",
        organiser="新竹街道办事处",
        objectives="检验夜间预警后 30 分钟内完成低洼住户转移。",
    )


def test_leader_shows_the_code_member_checks_in_hours_are_verified(new_context, drill):
    member = Member.objects.get(user__username="member")

    # The leader opens the drill on a phone and shows its QR code.
    leader = new_context(phone=True).new_page()
    leader.goto(reverse("learn:drill", args=[drill.pk]))
    sign_in(leader, "leader")
    leader.wait_for_url(re.compile(rf"/learn/drills/{drill.pk}/$"))
    expect(leader.locator("h1")).to_have_text(TITLE)
    assert_fits_the_phone(leader)
    leader.locator(".action-bar").get_by_role("link", name="签到二维码").click()
    leader.wait_for_url(re.compile(rf"/learn/drills/{drill.pk}/qr/$"))
    panel = leader.locator("[data-checkin-qr]")
    qr = panel.locator("img[data-qr-image]")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 240, "the code should fill most of a phone's width"
    assert_fits_the_phone(leader)
    first_token = panel.get_attribute("data-token")
    checkin_url = panel.get_attribute("data-checkin-url")
    assert checkin_url.startswith("http") and f"id={drill.pk}" in checkin_url

    # A member scans it with their own phone (a second browser context) before signing in:
    # they sign in and come back checked in.
    phone = new_context(phone=True).new_page()
    phone.goto(checkin_url)
    expect(phone.locator("#id_username")).to_be_visible()
    sign_in(phone, "member")
    expect(phone.locator("[data-checkin-result=ok] h1")).to_have_text("签到成功")
    expect(phone.locator(".checkin-result")).to_contain_text(TITLE)
    assert_fits_the_phone(phone)
    # Scanning again (the code went round) changes nothing.
    phone.goto(checkin_url)
    expect(phone.locator("[data-checkin-result=ok] h1")).to_contain_text("已经签到")
    assert DrillParticipation.objects.filter(drill=drill).count() == 1

    # The code on the leader's screen changes by itself within 30 seconds, and the count
    # of those checked in follows.
    leader.wait_for_function(
        "token => document.querySelector('[data-checkin-qr]').dataset.token !== token",
        arg=first_token,
        timeout=40_000,
    )
    expect(panel.locator("[data-qr-count]")).to_have_text("1")

    # The leader sees the member on the roll.
    leader.goto(reverse("learn:drill", args=[drill.pk]))
    roll = leader.locator("[data-roll]")
    expect(roll.locator(f"[data-member='{member.name}']")).to_contain_text("扫码签到")

    # … and closes the drill with an evaluation.
    leader.locator(".learn-actions").get_by_role("link", name="结束演练并评估").click()
    leader.locator("#id_score").fill("86")
    leader.locator("#id_went_well").fill("预警发布后 20 分钟内完成转移，分工明确。")
    leader.locator("#id_problems").fill("夜间照明不足。")
    leader.locator("#id_improvements").fill("为每个小组配备头灯。")
    assert_fits_the_phone(leader)
    leader.locator(".action-bar").get_by_role("button", name="结束演练").click()
    leader.wait_for_url(re.compile(rf"/learn/drills/{drill.pk}/$"))
    expect(leader.locator("[data-drill-status]")).to_have_text("已举行")
    expect(leader.locator("[data-evaluation]")).to_contain_text("分工明确")
    expect(roll.locator(f"[data-member='{member.name}'] [data-hours]")).to_contain_text("已核实")
    assert_fits_the_phone(leader)

    record = ServiceRecord.objects.get(drill=drill, member=member)
    assert record.status == ServiceStatus.VERIFIED and record.hours == 1.5

    # The member's hours appear as verified on their own pages.
    try:
        hours_url = reverse("learn:hours")
    except NoReverseMatch:
        hours_url = None
    if hours_url:
        phone.goto(hours_url)
        row = phone.locator("li").filter(has_text=TITLE)
        expect(row.first).to_contain_text("已核实")
        assert_fits_the_phone(phone)
    phone.goto(reverse("learn:drill", args=[drill.pk]))
    expect(phone.locator("[data-my-hours]")).to_contain_text("已核实")
