"""The certificate pages under /learn/: my certificates, downloads, a certificate's page
(revoke, re-issue), a team's and an area's lists, bulk-issue jobs; seen from outside."""

import io
from urllib.parse import quote

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from cms.spreadsheets import XLSX_CONTENT_TYPE
from lms.models import Certificate, CertificateJob, CertificateStatus
from lms.services.certificates import certificate_revoke
from lms.views import certificates as views
from tests.factories import MemberFactory, UserFactory

from .conftest import PLACEHOLDER_PDF, complete, fake_pdf

pytestmark = pytest.mark.django_db


def url(name, pk=None, **query):
    base = reverse(f"learn:{name}", kwargs={"pk": pk} if pk is not None else None)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    return response.content.decode()


def messages_of(response):
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture(autouse=True)
def _remove_stored_pdfs():
    """The private storage is shared by the test run: leave no files behind."""
    yield
    for certificate in Certificate.objects.exclude(pdf=""):
        certificate.pdf.delete(save=False)


@pytest.fixture
def teammate(world):
    """A second member of the Qingxiu team with a login: neither leader nor administrator."""
    user = UserFactory(username="teammate")
    return MemberFactory(team=world["qingxiu_team"], name="黄队友", user=user)


@pytest.fixture
def held(world, issue):
    """The member's certificate, with its PDF stored."""
    return fake_pdf(issue(world["member"]))


# -- my certificates ------------------------------------------------------------------------


def test_my_certificates_newest_first_with_status_download_and_verify_link(client, world, issue):
    old = fake_pdf(issue(world["member"]))
    new = issue(world["member"], reissue=True)  # supersedes the old one; no PDF yet
    issue(world["leader"])  # someone else's
    client.force_login(world["member_user"])
    response = client.get(url("certificates"))
    assert response.status_code == 200
    page = text(response)
    assert page.index(new.serial) < page.index(old.serial)
    assert "有效" in page and "已被取代" in page
    assert f"已由新证书 {new.serial} 取代" in page
    assert url("certificate_download", old.pk) in page
    assert url("certificate_download", new.pk) not in page
    assert "证书生成中，请稍后刷新" in page
    assert f"/verify/{old.code}/" in page and f"/verify/{new.code}/" in page
    assert "蒙队长" not in page and Certificate.objects.count() == 3


def test_my_certificates_shows_revoked_and_expired(client, world, issue, course):
    revoked = issue(world["member"])
    certificate_revoke(certificate=revoked, by=world["qingxiu_admin"], reason="冒名参考")
    expired = issue(world["member"])
    Certificate.objects.filter(pk=expired.pk).update(status=CertificateStatus.EXPIRED)
    client.force_login(world["member_user"])
    page = text(client.get(url("certificates")))
    assert 'data-status="revoked"' in page and "冒名参考" in page
    assert 'data-status="expired"' in page and "已过期" in page


def test_my_certificates_for_someone_not_on_a_roster(client, world):
    client.force_login(world["qingxiu_admin"])
    response = client.get(url("certificates"))
    assert response.status_code == 200
    page = text(response)
    assert "您还不在队员花名册中" in page
    assert url("area_certificates", world["areas"]["qingxiu"].pk) in page


def test_my_certificates_needs_sign_in(client, world):
    response = client.get(url("certificates"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_dashboard_links_to_certificates(client, world):
    client.force_login(world["leader_user"])
    page = text(client.get(reverse("learn:dashboard")))
    assert url("certificates") in page
    assert url("team_certificates", world["qingxiu_team"].pk) in page
    client.force_login(world["member_user"])
    page = text(client.get(reverse("learn:dashboard")))
    assert url("certificates") in page
    assert url("team_certificates", world["qingxiu_team"].pk) not in page


# -- downloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member_user", "leader_user", "qingxiu_admin"])
def test_download_for_holder_leader_and_administrator(client, world, held, who):
    client.force_login(world[who])
    response = client.get(url("certificate_download", held.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PLACEHOLDER_PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote(held.download_name) in disposition
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_download_is_404_for_anyone_else(client, world, held, teammate):
    for user in (teammate.user, world["liuzhou_admin"]):
        client.force_login(user)
        assert client.get(url("certificate_download", held.pk)).status_code == 404
    client.logout()
    response = client.get(url("certificate_download", held.pk))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_download_before_the_pdf_exists(client, world, issue):
    certificate = issue(world["member"])
    client.force_login(world["member_user"])
    response = client.get(url("certificate_download", certificate.pk))
    assert response.status_code == 404
    assert "证书文件尚未生成" in text(response)
    assert certificate.serial in text(response)


# -- one certificate -----------------------------------------------------------------------------


def test_leader_reads_details_and_history_without_forms(client, world, held):
    client.force_login(world["leader_user"])
    response = client.get(url("certificate", held.pk))
    assert response.status_code == 200
    page = text(response)
    assert held.serial in page and "陆队员" in page and "社区应急救护基础" in page
    assert "data-history" in page and "发证（管理员发放）" in page
    assert "data-revoke-form" not in page and "data-reissue-form" not in page
    assert url("certificate_download", held.pk) in page


def test_certificate_page_is_404_outside_the_scope(client, world, held, teammate):
    for user in (teammate.user, world["liuzhou_admin"]):
        client.force_login(user)
        assert client.get(url("certificate", held.pk)).status_code == 404


def test_administrator_revokes_with_a_reason(client, world, held):
    client.force_login(world["qingxiu_admin"])
    page = text(client.get(url("certificate", held.pk)))
    assert "data-revoke-form" in page and "data-reissue-form" in page

    response = client.post(url("certificate_revoke", held.pk), {"reason": "  "})
    assert response.status_code == 200
    assert "请填写撤销原因" in text(response)
    held.refresh_from_db()
    assert held.status == CertificateStatus.VALID

    response = client.post(url("certificate_revoke", held.pk), {"reason": "考试替考"}, follow=True)
    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == CertificateStatus.REVOKED and held.revoked_by == world["qingxiu_admin"]
    page = text(response)
    assert "已撤销证书" in page and "撤销：考试替考" in page
    assert "data-revoke-form" not in page


def test_revoking_twice_is_refused_on_the_form(client, world, held):
    certificate_revoke(certificate=held, by=world["qingxiu_admin"], reason="第一次")
    client.force_login(world["qingxiu_admin"])
    response = client.post(url("certificate_revoke", held.pk), {"reason": "第二次"})
    assert response.status_code == 200
    assert "不能撤销" in text(response)
    held.refresh_from_db()
    assert held.revoked_reason == "第一次"


def test_administrator_reissues(client, world, held):
    client.force_login(world["qingxiu_admin"])
    response = client.post(url("certificate_reissue", held.pk))
    new = Certificate.objects.exclude(pk=held.pk).get()
    assert response.status_code == 302 and response["Location"] == url("certificate", new.pk)
    held.refresh_from_db()
    assert held.status == CertificateStatus.SUPERSEDED and held.superseded_by == new
    assert new.status == CertificateStatus.VALID and new.issued_by == world["qingxiu_admin"]
    page = text(client.get(url("certificate", held.pk)))
    assert f"被新证书 {new.serial} 取代" in page


@pytest.mark.parametrize("who", ["leader_user", "member_user", "liuzhou_admin"])
def test_revoke_and_reissue_by_others_change_nothing(client, world, held, who):
    client.force_login(world[who])
    assert client.post(url("certificate_revoke", held.pk), {"reason": "x"}).status_code == 404
    assert client.post(url("certificate_reissue", held.pk)).status_code == 404
    held.refresh_from_db()
    assert held.status == CertificateStatus.VALID
    assert Certificate.objects.count() == 1


def test_revoke_needs_post(client, world, held):
    client.force_login(world["qingxiu_admin"])
    assert client.get(url("certificate_revoke", held.pk)).status_code == 405


# -- a team's certificates ----------------------------------------------------------------------


def test_leader_sees_the_team_list_read_only(client, world, issue, held):
    revoked = issue(world["leader"])
    certificate_revoke(certificate=revoked, by=world["qingxiu_admin"], reason="资料不实")
    issue(world["other"])  # another county
    client.force_login(world["leader_user"])
    response = client.get(url("team_certificates", world["qingxiu_team"].pk))
    assert response.status_code == 200
    page = text(response)
    assert held.serial in page and revoked.serial in page
    assert "柳州队员" not in page
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert counts == {"valid": 1, "expired": 0, "revoked": 1, "superseded": 0}
    assert url("team_certificates_zip", world["qingxiu_team"].pk) in page
    assert "data-issue-form" not in page and "data-bulk-form" not in page

    filtered = text(
        client.get(url("team_certificates", world["qingxiu_team"].pk, status="revoked"))
    )
    assert revoked.serial in filtered and held.serial not in filtered


def test_team_list_filters_ignore_nonsense(client, world, held):
    client.force_login(world["leader_user"])
    response = client.get(
        url("team_certificates", world["qingxiu_team"].pk, status="x", course="y")
    )
    assert response.status_code == 200 and held.serial in text(response)


def test_leader_cannot_issue(client, world, course):
    complete(world["member"], course)
    client.force_login(world["leader_user"])
    team_url = url("team_certificates", world["qingxiu_team"].pk)
    data = {"action": "issue", "issue-member": world["member"].pk, "issue-course": course.pk}
    assert client.post(team_url, data).status_code == 404
    assert client.post(team_url, {"action": "bulk", "bulk-course": course.pk}).status_code == 404
    assert not Certificate.objects.exists() and not CertificateJob.objects.exists()


@pytest.mark.parametrize("who", ["member_user", "liuzhou_admin"])
def test_team_pages_are_404_for_others(client, world, held, who):
    client.force_login(world[who])
    team = world["qingxiu_team"].pk
    assert client.get(url("team_certificates", team)).status_code == 404
    assert client.get(url("team_certificates", team, format="xlsx")).status_code == 404


def test_administrator_issues_one_certificate(client, world, course, template):
    complete(world["member"], course)
    client.force_login(world["qingxiu_admin"])
    team_url = url("team_certificates", world["qingxiu_team"].pk)
    assert "data-issue-form" in text(client.get(team_url))
    data = {"action": "issue", "issue-member": world["member"].pk, "issue-course": course.pk}
    response = client.post(team_url, data)
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("certificate", certificate.pk)
    assert certificate.member == world["member"] and certificate.source == "manual"
    assert certificate.issued_by == world["qingxiu_admin"]

    again = client.post(team_url, data, follow=True)
    assert "已持有该课程的有效证书" in messages_of(again)
    assert Certificate.objects.count() == 1

    client.post(team_url, {**data, "issue-reissue": "on"})
    assert Certificate.objects.count() == 2
    assert Certificate.objects.valid().get().pk != certificate.pk


def test_issuing_to_someone_outside_the_team_is_refused(client, world, course, template):
    client.force_login(world["qingxiu_admin"])
    team_url = url("team_certificates", world["qingxiu_team"].pk)
    data = {"action": "issue", "issue-member": world["other"].pk, "issue-course": course.pk}
    response = client.post(team_url, data)
    assert response.status_code == 200
    assert "只能为本队在队队员发证" in text(response)
    assert not Certificate.objects.exists()


def test_team_export_xlsx(client, world, held):
    client.force_login(world["leader_user"])
    response = client.get(url("team_certificates", world["qingxiu_team"].pk, format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["证书编号", "持证人", "队伍"]
    assert rows[1][0] == held.serial and rows[1][1] == "陆队员" and rows[1][8] == "有效"
    assert rows[1][11] == "已生成" and len(rows) == 2


# -- an area's certificates and bulk issue ----------------------------------------------------


def test_area_list_for_its_administrators_only(client, world, held, issue):
    theirs = issue(world["other"])
    area = world["areas"]["qingxiu"]
    client.force_login(world["qingxiu_admin"])
    response = client.get(url("area_certificates", area.pk))
    assert response.status_code == 200
    page = text(response)
    assert held.serial in page and theirs.serial not in page
    assert world["qingxiu_team"].name in page
    assert url("area_certificates_zip", area.pk) in page
    for who in ("liuzhou_admin", "leader_user", "member_user"):
        client.force_login(world[who])
        assert client.get(url("area_certificates", area.pk)).status_code == 404


def test_area_list_is_paginated(client, world, issue, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("甲", "乙", "丙"):
        issue(MemberFactory(team=world["qingxiu_team"], name=f"队员{name}"))
    client.force_login(world["qingxiu_admin"])
    area = world["areas"]["qingxiu"]
    first = text(client.get(url("area_certificates", area.pk)))
    second = text(client.get(url("area_certificates", area.pk, page=2)))
    assert "第 1 / 2 页" in first and "队员丙" in first and "队员甲" not in first
    assert "队员甲" in second and "队员丙" not in second


def test_bulk_issue_starts_a_job_and_shows_its_progress(client, world, course, template):
    complete(world["member"], course)
    complete(world["leader"], course)
    client.force_login(world["qingxiu_admin"])
    area = world["areas"]["qingxiu"]
    response = client.post(
        url("area_certificates", area.pk), {"action": "bulk", "bulk-course": course.pk}
    )
    job = CertificateJob.objects.get()
    assert response.status_code == 302 and response["Location"] == url("certificate_job", job.pk)
    assert job.area == area and job.total == 2 and not job.reissue

    page = text(client.get(url("certificate_job", job.pk)))
    assert "批量发证进度" in page and "data-job" in page and "社区应急救护基础" in page
    assert url("certificate_job_status", job.pk) in page
    state = client.get(url("certificate_job_status", job.pk)).json()
    assert state == {
        "status": "pending",
        "status_display": "排队中",
        "percent": 0,
        "done": 0,
        "total": 2,
        "issued": 0,
        "finished": False,
    }
    CertificateJob.objects.filter(pk=job.pk).update(status="done", done=2, issued=2)
    assert client.get(url("certificate_job_status", job.pk)).json()["percent"] == 100


def test_bulk_issue_for_a_team_with_nobody_to_issue(client, world, course, template):
    client.force_login(world["qingxiu_admin"])
    team_url = url("team_certificates", world["qingxiu_team"].pk)
    response = client.post(team_url, {"action": "bulk", "bulk-course": course.pk})
    assert response.status_code == 200
    assert "没有需要发证的队员" in text(response)
    assert not CertificateJob.objects.exists()


def test_job_pages_outside_the_scope(client, world, course, template):
    complete(world["member"], course)
    client.force_login(world["qingxiu_admin"])
    client.post(
        url("team_certificates", world["qingxiu_team"].pk),
        {"action": "bulk", "bulk-course": course.pk, "bulk-reissue": "on"},
    )
    job = CertificateJob.objects.get()
    assert job.team == world["qingxiu_team"] and job.reissue
    for who in ("liuzhou_admin", "leader_user", "member_user"):
        client.force_login(world[who])
        assert client.get(url("certificate_job", job.pk)).status_code == 404
        assert client.get(url("certificate_job_status", job.pk)).status_code == 404
    client.logout()
    assert client.get(url("certificate_job_status", job.pk)).status_code == 302
