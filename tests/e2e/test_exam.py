"""The demo member takes a demo course's final exam on a phone: answers some questions,
reloads mid-exam and finds them still selected, answers the rest, submits, sees the score.

Runs on seed_demo's data: the question bank and final exams of courses/demo_questions.py
and the demo attempts of lms/demo_exams.py (the member failed one final and may try again).
"""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Exam, ExamKind
from lms.models import Attempt, AttemptStatus, Enrollment, Member
from lms.services.attempts import attempt_start_refusal

from .admin import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width}px wide at {PHONE_WIDTH}px"


def exam_to_take(member: Member) -> Exam:
    """A final exam of one of the member's courses that they may sit now: the one they
    failed in the demo data first."""
    courses = Enrollment.objects.current().filter(member=member).values("course")
    exams = Exam.objects.filter(kind=ExamKind.FINAL, active=True, course__in=courses)
    open_to_member = [e for e in exams if attempt_start_refusal(member=member, exam=e) is None]
    assert open_to_member, "the demo member has no final exam to take"
    failed = {a.exam_id for a in Attempt.objects.filter(member=member, passed=False)}
    return sorted(open_to_member, key=lambda e: (e.pk not in failed, e.pk))[0]


def choose(question):
    """Tick an answer: the first option, and the second too on a multiple-choice question."""
    options = question.locator("label.exam-choice")
    options.nth(0).click()
    if question.get_attribute("data-type") == "multiple":
        options.nth(1).click()


def test_demo_member_takes_the_final_exam_on_a_phone(demo_site, phone_page):
    page = phone_page
    member = Member.objects.get(user__username="member")
    exam = exam_to_take(member)
    tried_before = Attempt.objects.filter(member=member, exam=exam).count()

    page.goto("/accounts/login/?next=/learn/")
    page.locator("#id_username").fill("member")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/learn/$"))

    page.goto(f"/learn/courses/{exam.course_id}/")
    page.locator("[data-final-exam]").click()
    expect(page.locator("h1")).to_have_text(exam.title)
    assert_fits_the_phone(page)
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/learn/attempts/\d+/$"))
    attempt = Attempt.objects.get(member=member, exam=exam, status=AttemptStatus.OPEN)
    assert attempt.number == tried_before + 1

    questions = page.locator("[data-question]")
    total = questions.count()
    assert total == attempt.answers.count() >= 4
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    assert_fits_the_phone(page)

    half = total // 2
    for n in range(half):
        question = questions.nth(n)
        choose(question)
        expect(question.locator("[data-save-state]")).to_have_text("✓ 已保存")
    chosen = {
        n: [
            box.get_attribute("value")
            for box in questions.nth(n).locator("input").all()
            if box.is_checked()
        ]
        for n in range(half)
    }

    # The connection drops, the page is reloaded: the same attempt, the answers still there.
    page.reload()
    assert page.url.endswith(f"/learn/attempts/{attempt.pk}/")
    questions = page.locator("[data-question]")
    for n, values in chosen.items():
        for value in values:
            expect(questions.nth(n).locator(f"input[value='{value}']")).to_be_checked()
    expect(page.locator("[data-answered]")).to_have_text(str(half))

    for n in range(half, total):
        question = questions.nth(n)
        choose(question)
        expect(question.locator("[data-save-state]")).to_have_text("✓ 已保存")
    expect(page.locator("[data-answered]")).to_have_text(str(total))

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-submit]").click()
    page.wait_for_url(re.compile(rf"/learn/attempts/{attempt.pk}/result/$"))

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.answers.filter(response__isnull=True).count() == 0
    score = page.locator("[data-score]")
    expect(score).to_have_text(str(attempt.score))
    expect(page.locator("[data-result] h1")).to_have_text("通过" if attempt.passed else "未通过")
    expect(page.locator(".result-question")).to_have_count(total)
    assert_fits_the_phone(page)
