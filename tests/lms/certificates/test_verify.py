"""Public verification: /verify/<code>/, the lookup form /verify/ and GET /api/v1/verify/{code}.

Everything is asked anonymously, as a stranger scanning a QR code would.
"""

import datetime

from django.utils import timezone

import pytest

from lms.models import Certificate
from lms.services.certificates import certificate_revoke, certificates_expire

from .conftest import fake_pdf

NO_MATCH = "未找到匹配的证书"


def day(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def page(client, certificate) -> str:
    response = client.get(f"/verify/{certificate.code}/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def assert_private(text: str, member) -> None:
    """Nothing that identifies the holder beyond the masked name."""
    assert member.name not in text
    assert member.phone not in text
    assert member.id_number not in text
    assert member.team.name not in text


ISSUER = "南宁市青秀区应急管理局"  # not the site's organisation, which the footer shows


@pytest.fixture
def certificate(world, issue, template):
    template.issuing_organisation = ISSUER
    template.save()
    return fake_pdf(issue(world["member"]))


# -- the page ---------------------------------------------------------------------------


def test_valid_certificate_page_shows_the_public_facts(client, world, certificate):
    response = client.get(f"/verify/{certificate.code}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "陆*员" in text
    assert "社区应急救护基础" in text
    assert ISSUER in text
    assert day(certificate.issued_on) in text
    assert day(certificate.expires_on) in text
    assert certificate.pdf_sha256 in text
    assert "核对您手中 PDF 文件的 SHA-256 是否与此一致" in text
    assert 'data-verify-status="valid"' in text and "有效" in text
    assert "证书已数字签名" not in text
    assert '<meta name="robots" content="noindex' in text
    assert_private(text, world["member"])


def test_page_is_never_cached_and_not_indexed(client, certificate):
    response = client.get(f"/verify/{certificate.code}/")
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_page_is_public_but_signed_in_users_see_the_same(client, world, certificate):
    anonymous = page(client, certificate)
    client.force_login(world["liuzhou_admin"])
    signed_in = page(client, certificate)
    assert "陆*员" in anonymous and "陆*员" in signed_in
    assert_private(signed_in, world["member"])


def test_signed_pdf_says_so(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(pdf_signed=True)
    assert "证书已数字签名" in page(client, certificate)


def test_pdf_not_rendered_yet(client, world, issue):
    certificate = issue(world["leader"])
    text = page(client, certificate)
    assert "尚未生成" in text
    assert "蒙*长" in text


def test_no_expiry_reads_long_term(client, world, issue, course):
    course.certificate_validity_months = 0
    course.save()
    certificate = issue(world["member"])
    assert certificate.expires_on is None
    assert "长期有效" in page(client, certificate)


def test_revoked_certificate_says_revoked_at_once(client, world, certificate):
    assert 'data-verify-status="valid"' in page(client, certificate)
    certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason="冒名参加考试")
    text = page(client, certificate)
    assert 'data-verify-status="revoked"' in text
    assert "已撤销" in text
    assert day(timezone.localdate()) in text
    assert "冒名参加考试" not in text  # the reason stays internal
    assert_private(text, world["member"])


def test_expired_certificate_says_expired_with_its_date(client, certificate):
    certificates_expire(today=certificate.expires_on + datetime.timedelta(days=1))
    text = page(client, certificate)
    assert 'data-verify-status="expired"' in text
    assert "已过期" in text
    assert f"本证书有效期至 {day(certificate.expires_on)}，现已过期" in text


def test_past_expiry_reads_expired_before_the_nightly_task(client, certificate):
    last_day = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=last_day)
    text = page(client, certificate)
    assert 'data-verify-status="expired"' in text
    assert day(last_day) in text


def test_superseded_certificate_says_replaced_without_linking_the_new_one(
    client, world, issue, certificate
):
    new = issue(world["member"], reissue=True)
    text = page(client, certificate)
    assert 'data-verify-status="superseded"' in text
    assert "已被新证书取代" in text
    assert "重新取得" in text
    assert new.code not in text
    assert new.serial not in text
    assert 'data-verify-status="valid"' in page(client, new)


def test_unknown_code_is_a_chinese_404(client, certificate):
    response = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "未找到该证书" in text
    assert "no-store" in response["Cache-Control"]


# -- the lookup form ----------------------------------------------------------------------


def lookup(client, serial, name, address="203.0.113.7"):
    return client.post("/verify/", {"serial": serial, "name": name}, REMOTE_ADDR=address)


def test_lookup_form_is_public(client, certificate):
    response = client.get("/verify/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "证书编号" in text and "持证人姓名" in text
    assert '<meta name="robots" content="noindex' in text


def test_lookup_match_redirects_to_the_verify_page(client, certificate):
    serial = f"  {certificate.serial.lower()} "
    response = lookup(client, serial, " 陆队员 ")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{certificate.code}/"


def test_lookup_accepts_full_width_serial(client, certificate):
    full_width = certificate.serial.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789GX-"})
    assert lookup(client, full_width, "陆队员").status_code == 302


def test_lookup_of_a_revoked_certificate_shows_it_revoked(client, world, certificate):
    certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason="错误发放")
    response = lookup(client, certificate.serial, "陆队员")
    assert response.status_code == 302
    assert "已撤销" in client.get(response["Location"]).content.decode()


def error_messages(response) -> str:
    text = response.content.decode()
    start = text.index('<ul class="messages">')
    return text[start : text.index("</ul>", start)]


def test_wrong_name_and_wrong_serial_get_the_same_answer(client, world, certificate):
    wrong_name = lookup(client, certificate.serial, "陆某某")
    wrong_serial = lookup(client, "GX-2000-450103-999999", "陆队员")
    partial_name = lookup(client, certificate.serial, "陆队")
    for response in (wrong_name, wrong_serial, partial_name):
        assert response.status_code == 200
        assert NO_MATCH in response.content.decode()
        assert certificate.code not in response.content.decode()
    assert error_messages(wrong_name) == error_messages(wrong_serial)
    assert error_messages(wrong_name) == error_messages(partial_name)


def test_lookup_needs_both_fields(client, certificate):
    response = lookup(client, certificate.serial, "")
    assert response.status_code == 200
    assert certificate.code not in response.content.decode()
    assert "请填写持证人姓名" in response.content.decode()


# -- the API --------------------------------------------------------------------------------


def test_api_gives_the_same_facts_anonymously(client, world, certificate):
    response = client.get(f"/api/v1/verify/{certificate.code}")
    assert response.status_code == 200
    data = response.json()
    assert data["holder_masked"] == "陆*员"
    assert data["course_title"] == "社区应急救护基础"
    assert data["issuing_organisation"] == ISSUER
    assert data["issued_on"] == certificate.issued_on.isoformat()
    assert data["expires_on"] == certificate.expires_on.isoformat()
    assert data["status"] == {"code": "valid", "label": "有效"}
    assert data["status_changed_at"] is None
    assert data["pdf_sha256"] == certificate.pdf_sha256
    assert data["pdf_signed"] is False
    assert data["verify_url"].endswith(f"/verify/{certificate.code}/")
    assert "no-store" in response["Cache-Control"]
    assert_private(response.content.decode("unicode_escape"), world["member"])
    assert_private(response.content.decode(), world["member"])


def test_api_reports_revocation(client, world, certificate):
    certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason="冒名参加考试")
    data = client.get(f"/api/v1/verify/{certificate.code}").json()
    assert data["status"] == {"code": "revoked", "label": "已撤销"}
    assert data["status_changed_at"] is not None
    assert "冒名参加考试" not in str(data)


def test_api_unrendered_pdf_has_no_hash(client, world, issue):
    certificate = issue(world["leader"])
    data = client.get(f"/api/v1/verify/{certificate.code}").json()
    assert data["pdf_sha256"] is None


def test_api_unknown_code_is_a_chinese_404(client, certificate):
    response = client.get("/api/v1/verify/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "未找到该证书" in response.json()["detail"]
