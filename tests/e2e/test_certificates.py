"""The demo member passes a course's final exam on a phone and the certificate appears;
they download it; the QR code printed on it, opened by an anonymous visitor, says the
certificate is valid; the county administrator revokes it and the same page says revoked.

Runs on seed_demo's data: the member has not completed course GX-YJ-103 (lessons and the
final exam), whose certificate is issued automatically on completion.
"""

import re

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect

from courses.models import CoursePage, Exam, ExamKind
from lms.models import Attempt, AttemptStatus, Certificate, CertificateStatus, Member
from lms.services.progress import course_lessons, progress_complete

from .admin import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

COURSE = "GX-YJ-103"


def sign_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def qr_url(pdf_path) -> str:
    """The text of the QR code on the PDF's first page, read from a 200 dpi rendering."""
    document = pypdfium2.PdfDocument(str(pdf_path))
    image = document[0].render(scale=200 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert codes, "no QR code found on the certificate"
    return codes[0].text


def test_member_earns_a_certificate_that_anyone_can_verify(
    demo_site, new_context, settings, live_server
):
    # The QR code must open this test server's verification page.
    settings.SITE_URL = live_server.url
    member = Member.objects.get(user__username="member")
    course = CoursePage.objects.get(code=COURSE)
    exam = Exam.objects.get(course=course, kind=ExamKind.FINAL)
    for lesson in course_lessons(course):
        progress_complete(member=member, lesson=lesson)
    assert not Certificate.objects.filter(member=member, course=course).exists()

    # The member sits the exam on a phone and answers every question right.
    phone = new_context(phone=True).new_page()
    sign_in(phone, "member", f"/learn/exams/{exam.pk}/")
    phone.locator("form[action$='/start/'] button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/learn/attempts/\d+/$"))
    attempt = Attempt.objects.get(member=member, exam=exam, status=AttemptStatus.OPEN)
    for answer in attempt.answers.select_related("question"):
        question = phone.locator(f"[data-question][data-position='{answer.position}']")
        for index in answer.question.correct_indexes:
            question.locator(f"label.exam-choice:has(input[value='{index}'])").click()
        expect(question.locator("[data-save-state]")).to_have_text("✓ 已保存")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("[data-submit]").click()
    phone.wait_for_url(re.compile(rf"/learn/attempts/{attempt.pk}/result/$"))
    expect(phone.locator("[data-result] h1")).to_have_text("通过")

    # The certificate is on their certificates page, ready to download.
    certificate = Certificate.objects.get(member=member, course=course)
    assert certificate.status == CertificateStatus.VALID
    phone.goto("/learn/certificates/")
    card = phone.locator(f"[data-certificate='{certificate.pk}']")
    expect(card).to_contain_text(course.title)
    expect(card).to_contain_text(certificate.serial)
    expect(card).to_contain_text("有效")
    with phone.expect_download() as download_info:
        card.locator("[data-download]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = download.path()
    assert pdf_path.read_bytes()[:5] == b"%PDF-"

    # Anyone scanning the QR code sees the certificate valid, the name masked.
    url = qr_url(pdf_path)
    assert url == f"{live_server.url}/verify/{certificate.code}/"
    visitor = new_context(phone=True).new_page()
    visitor.goto(url)
    expect(visitor.locator("[data-verify-status]")).to_have_attribute("data-verify-status", "valid")
    expect(visitor.locator("[data-verify-holder]")).to_have_text("陆*兰")
    expect(visitor.locator("body")).not_to_contain_text("陆秀兰")
    expect(visitor.locator("[data-verify-sha256]")).to_have_text(certificate.pdf_sha256)

    # The county administrator revokes it; the visitor's page now says so.
    desk = new_context().new_page()
    sign_in(desk, "county", f"/learn/certificates/{certificate.pk}/")
    desk.locator("[data-revoke-form] textarea, [data-revoke-form] input[name=reason]").fill(
        "考试由他人代考"
    )
    desk.locator("[data-revoke-form] button[type=submit]").click()
    expect(desk.locator("[data-revoked]")).to_contain_text("考试由他人代考")

    visitor.reload()
    expect(visitor.locator("[data-verify-status]")).to_have_attribute(
        "data-verify-status", "revoked"
    )
    expect(visitor.locator(".verify-status-word")).to_have_text("已撤销")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
