"""Certificates in the Wagtail admin: the list, the history, revocation, jobs and templates,
seen from the county that issued them and from another county."""

import pytest

from lms.models import (
    AreaAdministrator,
    Certificate,
    CertificateJob,
    CertificateStatus,
    CertificateTemplate,
)
from lms.roles import AREA_ADMINISTRATORS, TEAM_LEADERS, lms_roles_setup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/lms/certificate/"


def html(response):
    return response.content.decode()


def refused(response) -> bool:
    """Wagtail answers a permission refusal by sending the user back to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def admins(world):
    """The county administrators in the real 区域管理员 group (lms.roles)."""
    groups = lms_roles_setup()
    for name in ("qingxiu_admin", "liuzhou_admin"):
        world[name].groups.add(groups[AREA_ADMINISTRATORS])
    return world


@pytest.fixture
def certificates(admins, issue):
    return {
        "member": issue(admins["member"]),
        "leader": issue(admins["leader"]),
        "other": issue(admins["other"]),
    }


def test_the_area_administrators_group_may_read_and_revoke_certificates(world):
    groups = lms_roles_setup()
    admin_perms = set(groups[AREA_ADMINISTRATORS].permissions.values_list("codename", flat=True))
    for model in ("certificate", "certificatetemplate", "certificatejob"):
        assert {f"view_{model}", f"change_{model}"} <= admin_perms
    leader_perms = set(groups[TEAM_LEADERS].permissions.values_list("codename", flat=True))
    assert not {p for p in leader_perms if "certificate" in p}


def test_county_admin_lists_only_their_countys_certificates(client, admins, certificates):
    client.force_login(admins["qingxiu_admin"])
    page = html(client.get(LIST))
    for key in ("member", "leader"):
        assert certificates[key].serial in page
    assert "陆队员" in page and "蒙队长" in page and "社区应急救护基础" in page
    assert certificates["other"].serial not in page and "柳州队员" not in page

    client.force_login(admins["liuzhou_admin"])
    page = html(client.get(LIST))
    assert certificates["other"].serial in page
    assert certificates["member"].serial not in page


def test_search_by_serial_or_holder_and_filter_by_status_and_course(
    client, admins, certificates, course
):
    client.force_login(admins["qingxiu_admin"])
    member, leader = certificates["member"], certificates["leader"]
    page = html(client.get(LIST, {"q": member.serial}))
    assert member.serial in page and leader.serial not in page
    page = html(client.get(LIST, {"q": "蒙队长"}))
    assert leader.serial in page and member.serial not in page

    Certificate.objects.filter(pk=leader.pk).update(status=CertificateStatus.REVOKED)
    page = html(client.get(LIST, {"status": "revoked"}))
    assert leader.serial in page and member.serial not in page
    page = html(client.get(LIST, {"status": "valid", "course": course.pk}))
    assert member.serial in page and leader.serial not in page


def test_inspect_shows_the_certificate_and_its_history(client, admins, certificates):
    client.force_login(admins["qingxiu_admin"])
    certificate = certificates["member"]
    response = client.get(f"{LIST}inspect/{certificate.pk}/")
    assert response.status_code == 200
    page = html(response)
    assert certificate.serial in page and "陆队员" in page and "新竹" in page
    assert 'id="certificate-history"' in page
    assert "发证（管理员发放）" in page
    assert f"/admin/lms/certificate/revoke/{certificate.pk}/" in page
    history = client.get(f"{LIST}history/{certificate.pk}/")
    assert history["Location"] == f"{LIST}inspect/{certificate.pk}/#certificate-history"
    listing = html(client.get(LIST))
    assert certificate.issued_on.isoformat() in listing
    assert certificate.expires_on.isoformat() in listing


def test_revoking_needs_a_reason_and_shows_in_the_history(client, admins, certificates):
    client.force_login(admins["qingxiu_admin"])
    certificate = certificates["member"]
    url = f"{LIST}revoke/{certificate.pk}/"
    page = html(client.get(url))
    assert certificate.serial in page and "撤销原因" in page

    for reason in ("", "   "):
        response = client.post(url, {"reason": reason})
        assert response.status_code == 200
        assert "请填写撤销原因。" in html(response)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID

    response = client.post(url, {"reason": "结业考核成绩登记错误，经复核未达合格标准"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}inspect/{certificate.pk}/"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_by == admins["qingxiu_admin"]
    assert certificate.revoked_reason == "结业考核成绩登记错误，经复核未达合格标准"

    page = html(client.get(response["Location"]))
    history = page[page.index('id="certificate-history"') :]
    assert "撤销" in history and "已撤销" in history
    assert "结业考核成绩登记错误" in history
    assert "qingxiu-admin" in history  # who did it
    # Revoked: no revoke button any more, and a second revocation is refused.
    assert 'id="certificate-revoke"' not in page
    assert "不能撤销" in html(client.get(url))
    response = client.post(url, {"reason": "再撤销一次"})
    assert "不能撤销" in html(response)
    assert certificate.history.count() == 2


def test_another_countys_admin_cannot_see_or_revoke(client, admins, certificates):
    client.force_login(admins["liuzhou_admin"])
    certificate = certificates["member"]
    for view in ("inspect", "revoke", "history", "usage"):
        assert client.get(f"{LIST}{view}/{certificate.pk}/").status_code == 404, view
    response = client.post(f"{LIST}revoke/{certificate.pk}/", {"reason": "越权撤销"})
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert certificate.history.count() == 1


def test_certificates_are_not_added_edited_or_deleted_in_the_admin(client, admins, certificates):
    client.force_login(admins["qingxiu_admin"])
    certificate = certificates["member"]
    assert refused(client.get(f"{LIST}new/"))
    assert refused(client.get(f"{LIST}edit/{certificate.pk}/"))
    assert refused(client.post(f"{LIST}edit/{certificate.pk}/", {"holder_name": "改名"}))
    assert refused(client.post(f"{LIST}delete/{certificate.pk}/"))
    certificate.refresh_from_db()
    assert certificate.holder_name == "陆队员"
    page = html(client.get(LIST))
    assert f"{LIST}new/" not in page and f"{LIST}edit/" not in page


def test_people_without_the_permissions_are_kept_out(client, admins, certificates):
    certificate = certificates["member"]
    # The leader opens the admin (their records) but has no certificate permissions.
    client.force_login(admins["leader_user"])
    assert refused(client.get(LIST))
    assert refused(client.get(f"{LIST}inspect/{certificate.pk}/"))
    assert refused(client.post(f"{LIST}revoke/{certificate.pk}/", {"reason": "队长撤销"}))
    client.logout()
    response = client.get(f"{LIST}revoke/{certificate.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_superseded_certificates_cannot_be_revoked(client, admins, issue):
    old = issue(admins["member"])
    issue(admins["member"], reissue=True)
    client.force_login(admins["qingxiu_admin"])
    page = html(client.get(f"{LIST}inspect/{old.pk}/"))
    assert "被新证书取代" in page
    assert 'id="certificate-revoke"' not in page
    response = client.post(f"{LIST}revoke/{old.pk}/", {"reason": "误发"})
    assert "不能撤销" in html(response)
    old.refresh_from_db()
    assert old.status == CertificateStatus.SUPERSEDED


def test_bulk_jobs_are_listed_within_the_county(client, admins, course):
    own = CertificateJob.objects.create(
        course=course, team=admins["qingxiu_team"], created_by=admins["qingxiu_admin"], total=20
    )
    other = CertificateJob.objects.create(
        course=course, team=admins["liuzhou_team"], created_by=admins["liuzhou_admin"], total=5
    )
    client.force_login(admins["qingxiu_admin"])
    page = html(client.get("/admin/lms/certificate-job/"))
    assert admins["qingxiu_team"].name in page and "0 / 20" in page
    assert admins["liuzhou_team"].name not in page
    assert client.get(f"/admin/lms/certificate-job/inspect/{own.pk}/").status_code == 200
    assert client.get(f"/admin/lms/certificate-job/inspect/{other.pk}/").status_code == 404
    assert client.get(f"/admin/lms/certificate-job/history/{other.pk}/").status_code == 404
    assert refused(client.get("/admin/lms/certificate-job/new/"))


TEMPLATE_FORM = {
    "name": "青秀区模板",
    "layout": "modern",
    "title": "培训合格证书",
    "issuing_organisation": "南宁市青秀区应急管理局",
    "body": "{name} 同志完成《{course}》培训（{hours} 学时），经考核合格，特发此证。",
    "background": "",
    "seal": "",
    "signatories": "青秀区应急管理局局长 黄立\n青秀区应急管理局培训科科长 韦明",
    "is_default": "on",
}


def test_a_new_default_template_takes_over_from_the_old_one(client, admins, template):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    add = "/admin/lms/certificate-template/new/"
    page = html(client.get(add))
    assert "发证机构" in page and "签发人" in page and "印章图" in page

    response = client.post(add, TEMPLATE_FORM)
    assert response.status_code == 302, html(response)
    new = CertificateTemplate.objects.get(name="青秀区模板")
    assert new.is_default and new.signatory_lines == [
        "青秀区应急管理局局长 黄立",
        "青秀区应急管理局培训科科长 韦明",
    ]
    template.refresh_from_db()
    assert not template.is_default

    response = client.post(add, {**TEMPLATE_FORM, "is_default": ""})
    assert "已存在" in html(response)  # the name is taken
    assert CertificateTemplate.objects.count() == 2


def test_the_region_administrator_edits_and_adds_templates(client, admins, template):
    region_admin = UserFactory(
        username="region-admin", groups=[lms_roles_setup()[AREA_ADMINISTRATORS]]
    )
    AreaAdministrator.objects.create(user=region_admin, area=admins["areas"]["region"])
    client.force_login(region_admin)
    edit = f"/admin/lms/certificate-template/edit/{template.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            **TEMPLATE_FORM,
            "name": template.name,
            "issuing_organisation": "广西壮族自治区应急管理厅培训中心",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.issuing_organisation == "广西壮族自治区应急管理厅培训中心"
    assert template.is_default
    assert "自治区标准模板" in html(client.get("/admin/lms/certificate-template/"))
    response = client.post(
        "/admin/lms/certificate-template/new/",
        {**TEMPLATE_FORM, "name": "青秀区应急救护模板", "is_default": ""},
    )
    assert response.status_code == 302
    added = CertificateTemplate.objects.get(name="青秀区应急救护模板")
    assert not added.is_default
    template.refresh_from_db()
    assert template.is_default


def test_a_county_admin_reads_the_templates_but_may_not_change_them(client, admins, template):
    """Every county's certificates use the region's templates: a county only reads them."""
    client.force_login(admins["qingxiu_admin"])
    listing = html(client.get("/admin/lms/certificate-template/"))
    assert "自治区标准模板" in listing
    assert "/admin/lms/certificate-template/new/" not in listing
    edit = f"/admin/lms/certificate-template/edit/{template.pk}/"
    assert client.get(edit).status_code != 200
    client.post(edit, {**TEMPLATE_FORM, "name": template.name, "title": "改过的标题"})
    client.post("/admin/lms/certificate-template/new/", {**TEMPLATE_FORM, "name": "青秀区自制模板"})
    template.refresh_from_db()
    assert template.title != "改过的标题"
    assert not CertificateTemplate.objects.filter(name="青秀区自制模板").exists()


def test_a_county_admin_may_choose_and_upload_seal_images(client, admins):
    client.force_login(admins["qingxiu_admin"])
    assert client.get("/admin/images/chooser/").status_code == 200
    assert client.get("/admin/images/multiple/add/").status_code == 200
    client.force_login(admins["member_user"])
    assert client.get("/admin/images/chooser/").status_code != 200
