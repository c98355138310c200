"""A leader drafts the team's public page and a story on a phone and submits both; the county
administrator approves both in Wagtail's admin; an anonymous visitor then reads both.

Runs on seed_demo's data: the demo account `leader` leads 新竹社区应急响应队 (whose page the
demo has already published), and `county` administers 青秀区, where that team is.
"""

import io
import re

from django.core.management import call_command

import pytest
from PIL import Image
from playwright.sync_api import expect

from lms.demo import HOME_COMMUNITY
from lms.models import Team
from publicity.models import StoryPage, TeamPage

from .admin import DEMO_PASSWORD, open_action_menu, sign_in, workflow_status
from .conftest import _restore_wagtail_roots

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
INTRODUCTION = "我们在邕江边守护新竹社区：防汛转移、应急救护和高层火灾疏散是看家本领。"
STORY_TITLE = "台风过境，响应队连夜加固广告牌"
STORY_SUMMARY = "台风来临前，响应队排查并加固了辖区内的广告牌和临时搭建物。"
STORY_BODY = "台风预警发布后，队伍立即分组巡查。\n\n天亮前，全部隐患处置完毕，无人员受伤。"


@pytest.fixture
def demo(live_server):
    """seed_demo's data on the live server (conftest's demo_site looks the home page up by
    depth alone, which the demo's Zhuang and English home aliases now share)."""
    _restore_wagtail_roots()
    call_command("seed_demo", stdout=io.StringIO())


def _photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 450), (26, 127, 55)).save(buffer, "PNG")
    return {"name": "队伍合影.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def _fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width}px wide"


def _leader_signs_in(page, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill("leader")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"{re.escape(next_url)}$"))


def _approve_in_editor(admin, title):
    """From the dashboard's "awaiting your review" panel to the editor's approve button."""
    admin.goto("/admin/")
    awaiting = admin.locator("#awaiting-review-section")
    awaiting.get_by_role("link", name=title, exact=True).first.click()
    admin.wait_for_url(re.compile(r"/admin/pages/\d+/edit/$"))
    approve = admin.locator(
        'button[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])'
    )
    open_action_menu(admin, approve)
    approve.click()
    admin.wait_for_url(lambda url: "/edit/" not in url)


def test_leader_drafts_county_approves_visitor_reads(demo, new_context):
    team = Team.objects.get(community__code=HOME_COMMUNITY)
    team_page = TeamPage.objects.get(team=team, locale__language_code="zh-hans")
    public_url = team_page.url

    # -- the leader, on a phone: from the team's progress page to its public page screen.
    leader = new_context(phone=True).new_page()
    progress_url = f"/learn/teams/{team.pk}/progress/"
    _leader_signs_in(leader, progress_url)
    leader.get_by_role("link", name="队伍风采页").click()
    leader.wait_for_url(re.compile(rf"/learn/teams/{team.pk}/public-page/$"))
    expect(leader.locator("[data-state]")).to_contain_text("已发布")
    _fits_the_phone(leader)

    leader.locator("#id_introduction").fill(INTRODUCTION)
    leader.locator("#id_photo").set_input_files(files=[_photo()])
    leader.get_by_role("button", name="保存草稿").click()
    expect(leader.locator(".message-success")).to_contain_text("草稿已保存")
    expect(leader.locator("[data-state]")).to_contain_text("另有未获批准的修改")
    expect(leader.locator("#id_introduction")).to_have_value(INTRODUCTION)
    leader.get_by_role("button", name="提交审核").click()
    expect(leader.locator("[data-state]")).to_contain_text("审核中")
    expect(leader.locator('[data-form="team-page"]')).to_have_count(0)
    assert workflow_status(team_page.pk) == "in_progress"

    # A story, drafted and then submitted.
    leader.get_by_role("link", name="队伍故事").click()
    leader.locator('[data-link="new-story"]').click()
    leader.locator("#id_title").fill(STORY_TITLE)
    leader.locator("#id_story_date").fill("2025-09-14")
    leader.locator("#id_summary").fill(STORY_SUMMARY)
    leader.locator("#id_body").fill(STORY_BODY)
    _fits_the_phone(leader)
    leader.get_by_role("button", name="保存草稿").click()
    expect(leader.locator("[data-state]")).to_contain_text("草稿")
    leader.get_by_role("button", name="提交审核").click()
    expect(leader.locator("[data-state]")).to_contain_text("审核中")
    story = StoryPage.objects.get(title=STORY_TITLE, locale__language_code="zh-hans")
    assert workflow_status(story.pk) == "in_progress"
    leader.get_by_role("link", name="队伍故事").click()
    expect(leader.locator(f'[data-story="{story.pk}"]')).to_contain_text("审核中")

    # -- not public yet: the old introduction, and no story.
    visitor = new_context(phone=True).new_page()
    visitor.goto(public_url)
    expect(visitor.locator(".team-intro")).not_to_contain_text(INTRODUCTION)
    assert visitor.goto(story.url).status == 404

    # -- the county administrator approves both in Wagtail's admin.
    admin = new_context().new_page()
    sign_in(admin, "county")
    _approve_in_editor(admin, team.name)
    _approve_in_editor(admin, STORY_TITLE)
    assert workflow_status(team_page.pk) == "approved"
    assert workflow_status(story.pk) == "approved"

    # -- an anonymous visitor reads both, from the directory. (A fresh browser: the first
    # one may keep its copy of the old page for the minute the public pages allow.)
    visitor = new_context(phone=True).new_page()
    visitor.goto("/teams/")
    visitor.locator(f'[data-team="{team.pk}"]').get_by_role("link").click()
    visitor.wait_for_url(re.compile(rf"{re.escape(public_url)}$"))
    expect(visitor.locator(".team-intro")).to_contain_text(INTRODUCTION)
    expect(visitor.locator(".team-profile img.hero-image")).to_be_visible()
    expect(visitor.locator('[data-figure="certified"]')).to_contain_text("%")
    _fits_the_phone(visitor)
    visitor.locator(".team-stories").get_by_role("link", name=STORY_TITLE).click()
    expect(visitor.locator("article.story h1")).to_have_text(STORY_TITLE)
    expect(visitor.locator("article.story .lead")).to_have_text(STORY_SUMMARY)
    expect(visitor.locator("article.story .article-body")).to_contain_text("全部隐患处置完毕")
    _fits_the_phone(visitor)
    visitor.goto("/stories/")
    expect(visitor.get_by_role("link", name=STORY_TITLE)).to_be_visible()
