"""The short-video contest in a browser: a visitor submits an entry, which stays hidden until a
reviewer approves it in the admin; a signed-in person votes once, and a second vote is refused.

Runs on the demo data (the contest 安全短片, open now, with the demo accounts).
"""

import io
import re

from django.core.files.storage import FileSystemStorage
from django.core.management import call_command

import pytest
from playwright.sync_api import expect

from publicity.demo.contest import SLUG
from publicity.models import ContestEntry, ContestVote, EntryStatus
from tests.e2e.admin import DEMO_PASSWORD, sign_in
from tests.e2e.conftest import _restore_wagtail_roots

CONTEST = f"/contest/{SLUG}/"
TITLE = "家门口的防汛演练"


@pytest.fixture
def demo(live_server):
    """seed_demo's data (demo_site's, without looking up the home page: since every page has
    aliases in the other languages, there are three)."""
    _restore_wagtail_roots()
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def video_file(tmp_path, monkeypatch):
    """A small MP4-like file to upload (an ftyp box, then bytes), and a fresh place to store it."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(ContestEntry._meta.get_field("video"), "storage", storage)
    path = tmp_path / "防汛演练.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 4096)
    return path


def test_an_entry_is_hidden_until_approved_and_votes_count_once(demo, new_context, video_file):
    # A visitor, on a phone, sends an entry through the form.
    visitor = new_context(phone=True).new_page()
    visitor.goto(CONTEST)
    expect(visitor.locator(".contest-state")).to_have_text("征集中")
    visitor.locator(".contest-header").get_by_role("link", name="我要参赛").click()
    visitor.wait_for_url(re.compile(rf"{CONTEST}submit/$"))
    visitor.locator("#id_title").fill(TITLE)
    visitor.locator("#id_description").fill("社区响应队在汛前检查沙袋、排水泵，演练转移群众。")
    visitor.locator("#id_video").set_input_files(str(video_file))
    visitor.locator("#id_author_name").fill("覃小明")
    visitor.locator("#id_author_phone").fill("13807711234")
    visitor.locator("button.contest-submit").click()
    expect(visitor.locator(".message-success")).to_contain_text("已收到，审核通过后公开")
    entry = ContestEntry.objects.get(title=TITLE)
    assert entry.status == EntryStatus.PENDING

    # Not shown while it waits for review. (Public pages may be kept by the browser for a
    # minute: each look is from a fresh browser, as another visitor would see it.)
    other = new_context(phone=True).new_page()
    other.goto(CONTEST)
    expect(other.locator(".contest-grid .card").first).to_be_visible()
    expect(other.get_by_text(TITLE)).to_have_count(0)
    assert other.goto(f"{CONTEST}entries/{entry.pk}/").status == 404

    # The reviewer finds it in the admin, watches it and approves it.
    reviewer = new_context().new_page()
    sign_in(reviewer, "reviewer")
    reviewer.goto("/admin/publicity/contest/entries/?status=pending")
    reviewer.get_by_role("link", name=TITLE).click()
    reviewer.wait_for_url(re.compile(rf"/admin/publicity/contest/entries/{entry.pk}/$"))
    expect(reviewer.locator("#entry-video")).to_be_attached()
    expect(reviewer.locator("#entry-summary")).to_contain_text("13807711234")
    reviewer.get_by_label("通过，公开展示").check()
    reviewer.locator("#review-submit").click()
    reviewer.wait_for_url(re.compile(r"/admin/publicity/contest/entries/$"))
    expect(reviewer.get_by_text(f"「{TITLE}」已通过审核")).to_be_visible()

    # Now the public sees it, with its video, and never the author's name or phone.
    visitor = new_context(phone=True).new_page()
    visitor.goto(CONTEST)
    link = visitor.locator(".contest-grid").get_by_role("link", name=TITLE)
    expect(link).to_be_visible()
    link.click()
    expect(visitor.locator(".contest-entry h2")).to_have_text(TITLE)
    expect(visitor.locator("video.contest-video")).to_have_attribute(
        "src", f"{CONTEST}entries/{entry.pk}/video/"
    )
    assert "覃小明" not in visitor.content() and "13807711234" not in visitor.content()

    # Voting asks the visitor to sign in first, then brings them back to the entry.
    visitor.get_by_role("link", name="登录后投票").click()
    visitor.locator("#id_username").fill("member")
    visitor.locator("#id_password").fill(DEMO_PASSWORD)
    visitor.locator("form.stacked-form button[type=submit]").click()
    visitor.wait_for_url(re.compile(rf"{CONTEST}entries/{entry.pk}/$"))
    # The same person has the entry open in a second tab too.
    second_tab = visitor.context.new_page()
    second_tab.goto(f"{CONTEST}entries/{entry.pk}/")

    visitor.get_by_role("button", name="投一票").click()
    expect(visitor.locator(".message-success")).to_contain_text("投票成功")
    expect(visitor.locator("#vote-count")).to_have_text("1 票")
    expect(visitor.get_by_role("button", name="投一票")).to_have_count(0)

    # A second vote, from the tab opened before the first, is refused with the reason.
    second_tab.get_by_role("button", name="投一票").click()
    expect(second_tab.locator(".message-error")).to_contain_text("您已为这部作品投过票")
    expect(second_tab.locator("#vote-count")).to_have_text("1 票")
    assert ContestVote.objects.filter(entry=entry).count() == 1
