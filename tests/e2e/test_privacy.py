"""The county administrator exports everything held about a member who left, then erases
their personal data; the public page of the member's certificate then says only that the
serial existed.

Runs on seed_demo's data: a member of 青秀区 holding a certificate, who leads no team, is
marked as having left before the administrator signs in.
"""

import datetime
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from lms.models import AccessAction, Area, Certificate, Member, PersonalDataAccess, Team
from lms.services.members import member_leave

from .admin import sign_in

pytestmark = pytest.mark.e2e

ERASED_NOTICE = "该编号的证书曾经签发，持证人信息已按规定删除。"


def choose_action(page, label):
    """Open the header's actions menu (the "⋯" button) and choose `label` from it."""
    page.locator("header button.w-dropdown__toggle").last.click()
    page.get_by_role("link", name=label).click()


def test_admin_exports_then_erases_a_member_who_left(demo_site, new_context, tmp_path):
    county = Area.objects.get(code="450103")
    certificate = (
        Certificate.objects.filter(member__team__community__path__startswith=county.path)
        # Teams without a deputy hold NULL, and NOT IN (…, NULL) matches nothing.
        .exclude(member__pk__in=Team.objects.exclude(leader=None).values("leader"))
        .exclude(member__pk__in=Team.objects.exclude(deputy=None).values("deputy"))
        .select_related("member")
        .first()
    )
    assert certificate is not None
    member = certificate.member
    name = member.name
    member_leave(member=member, left_on=datetime.date.today() - datetime.timedelta(days=30))

    page = new_context().new_page()
    sign_in(page, "county")
    page.goto(f"/admin/lms/member/edit/{member.pk}/")
    with page.expect_download() as download:
        choose_action(page, "导出个人数据")
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    data = json.loads(zipfile.ZipFile(path).read("member.json"))
    assert data["member"]["name"] == name
    assert certificate.serial in [c["serial"] for c in data["certificates"]]

    page.reload()  # the menu stays open after a download; start from the page afresh
    choose_action(page, "删除个人信息")
    page.wait_for_url(re.compile(r"/erase/$"))
    expect(page.locator("[data-erase-member]")).to_contain_text("删除后无法恢复")
    page.locator("#id_confirm").check()
    page.get_by_role("button", name="确认删除个人信息").click()
    page.wait_for_url(re.compile(rf"/admin/lms/member/edit/{member.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("已删除该队员的个人信息")
    assert Member.objects.get(pk=member.pk).is_erased
    actions = set(PersonalDataAccess.objects.filter(member=member).values_list("action", flat=True))
    assert actions == {AccessAction.EXPORT, AccessAction.ERASE}

    visitor = new_context().new_page()
    visitor.goto(f"/verify/{certificate.code}/")
    expect(visitor.locator("[data-verify-erased]")).to_have_text(ERASED_NOTICE)
    expect(visitor.locator("main, body").first).to_contain_text(certificate.serial)
    assert name not in visitor.content()
    assert certificate.course_title not in visitor.content()
