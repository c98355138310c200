"""The Content Security Policy in a real browser: no page of seed_demo's site trips it, and the
pages' own scripts still run under it (public site, a member's exam, a leader's check-in code,
the Wagtail admin with its page editor).

Violations are caught twice: a `securitypolicyviolation` listener installed before any page
script runs, and Chromium's console messages ("Refused to … Content Security Policy …").
"""

import datetime
import re

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from cms.models import ArticlePage
from courses.models import Exam, ExamKind
from lms.models import Enrollment, Member
from lms.scope import scope_for
from lms.services.attempts import attempt_start_refusal
from lms.services.drills import drill_create
from publicity.models import ContestEntry, EntryStatus

from .admin import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile}:${event.lineNumber} ${event.sample || ""}`
  );
});
"""


class Watch:
    """A browser context whose pages report CSP violations and script errors."""

    def __init__(self, new_context, **options):
        self.context = new_context(**options)
        self.context.add_init_script(LISTEN)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.context.on("console", self._console)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def assert_clean(self, page=None):
        """No violation on the page as it is now, nor in any console message so far."""
        page = page or self.page
        violations = [] if page.is_closed() else page.evaluate("window.__cspViolations || []")
        for frame in page.frames[1:]:
            if frame.url.startswith(page.url.split("/", 3)[0]):
                violations += frame.evaluate("window.__cspViolations || []")
        assert not violations, f"{page.url}: {violations}"
        assert not self.console, self.console
        assert not self.errors, self.errors

    def visit(self, url):
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "content-security-policy" in response.headers
        self.page.wait_for_load_state("load")
        self.assert_clean()
        return response


def sign_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def test_public_pages_run_their_scripts_without_violations(demo_site, new_context):
    watch = Watch(new_context, phone=True)
    page = watch.page

    # site.js opens the menu on a phone.
    watch.visit("/")
    toggle = page.locator("[data-nav-toggle]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-nav")).to_be_visible()
    watch.assert_clean()

    # The page's QR code, laid out by site.css now that it has no style attributes.
    article = ArticlePage.objects.live().order_by("pk").first()
    watch.visit(article.url)
    qr = page.locator(".page-qr")
    expect(qr.locator("svg")).to_be_visible()
    assert qr.evaluate("node => getComputedStyle(node).display") == "flex"

    for url in ["/articles/", "/teams/", "/contest/", reverse("verify_lookup"), "/search/?q=急救"]:
        watch.visit(url)

    # An approved contest entry, with its video link shown as a bilibili or Tencent player.
    entry = (
        ContestEntry.objects.filter(status=EntryStatus.APPROVED)
        .exclude(embed_url="")
        .select_related("contest")
        .first()
    )
    if entry is not None:
        watch.visit(f"{entry.contest.url}entries/{entry.pk}/")
    watch.assert_clean()


def exam_to_take(member: Member) -> Exam:
    courses = Enrollment.objects.current().filter(member=member).values("course")
    exams = Exam.objects.filter(kind=ExamKind.FINAL, active=True, course__in=courses)
    open_to_member = [e for e in exams if attempt_start_refusal(member=member, exam=e) is None]
    assert open_to_member, "the demo member has no final exam to take"
    return min(open_to_member, key=lambda e: e.pk)


def test_member_learns_and_answers_an_exam_question_without_violations(demo_site, new_context):
    watch = Watch(new_context, phone=True)
    page = watch.page
    member = Member.objects.get(user__username="member")
    exam = exam_to_take(member)

    sign_in(page, "member", "/learn/")
    watch.assert_clean()
    watch.visit(f"/learn/courses/{exam.course_id}/")
    lesson = page.locator("a[href*='/learn/lessons/']").first
    lesson_url = lesson.get_attribute("href")
    watch.visit(lesson_url)

    watch.visit(f"/learn/courses/{exam.course_id}/")
    page.locator("[data-final-exam]").click()
    expect(page.locator("h1")).to_have_text(exam.title)
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/learn/attempts/\d+/$"))
    # exam.js: the countdown ticks and an answer is saved as soon as it is chosen.
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    question = page.locator("[data-question]").first
    question.locator("input").first.check()
    expect(question.locator("[data-save-state]")).to_have_text("✓ 已保存")
    watch.assert_clean()


def test_leader_shows_the_checkin_code_without_violations(demo_site, new_context):
    leader = get_user_model().objects.get(username="leader")
    starts_at = timezone.now() - datetime.timedelta(minutes=10)
    drill = drill_create(
        by=leader,
        title="防汛转移演练",
        scenario="flood_evacuation",
        teams=[scope_for(leader).managed_teams().get()],
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
        place="新竹社区文化广场",
        organiser="新竹街道办事处",
        objectives="检验夜间预警后 30 分钟内完成低洼住户转移。",
    )
    watch = Watch(new_context, phone=True)
    page = watch.page
    sign_in(page, "leader", reverse("learn:drills"))
    watch.assert_clean()
    watch.visit(reverse("learn:drill", args=[drill.pk]))
    watch.visit(reverse("learn:drill_qr", args=[drill.pk]))
    # checkin.js counts down to the next code; the code itself is a data: image.
    panel = page.locator("[data-checkin-qr]")
    expect(panel.locator("img[data-qr-image]")).to_be_visible()
    expect(panel.locator("[data-qr-seconds]")).to_have_text(re.compile(r"\d"))
    assert panel.locator("img[data-qr-image]").evaluate("img => img.naturalWidth") > 0
    watch.assert_clean()


def test_admin_dashboard_editor_and_snippets_work_under_the_admin_policy(demo_site, new_context):
    watch = Watch(new_context)
    page = watch.page
    sign_in(page, "admin", "/admin/")
    watch.assert_clean()

    article = ArticlePage.objects.live().order_by("pk").first()
    watch.visit(f"/admin/pages/{article.pk}/edit/")
    # The editor's JavaScript: its tabs switch.
    tab = page.get_by_role("tab").nth(1)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    watch.assert_clean()

    watch.visit("/admin/snippets/")
    watch.visit("/admin/snippets/courses/questioncategory/")
    watch.visit("/admin/pages/")
    watch.visit("/admin/images/")
    watch.visit("/admin/documents/")
