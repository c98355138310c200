"""Certificates through the JSON API: my certificates, and one certificate within the scope."""

from django.conf import settings

import pytest

from lms.models import Certificate
from lms.services.certificates import certificate_revoke
from tests.factories import MemberFactory, UserFactory

from .conftest import fake_pdf

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _remove_stored_pdfs():
    """The private storage is shared by the test run: leave no files behind."""
    yield
    for certificate in Certificate.objects.exclude(pdf=""):
        certificate.pdf.delete(save=False)


def test_my_certificates(client, world, issue):
    old = fake_pdf(issue(world["member"]))
    new = issue(world["member"], reissue=True)
    issue(world["leader"])
    client.force_login(world["member_user"])
    response = client.get(f"{API}/me/certificates")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert [c["serial"] for c in body] == [new.serial, old.serial]
    latest, previous = body
    assert latest["course_title"] == "社区应急救护基础"
    assert latest["status"] == {"code": "valid", "label": "有效"}
    assert previous["status"] == {"code": "superseded", "label": "已被新证书取代"}
    assert previous["superseded_by_id"] == new.pk
    assert latest["issued_on"] == new.issued_on.isoformat()
    assert latest["expires_on"] == new.expires_on.isoformat()
    assert latest["verify_url"] == f"{settings.SITE_URL}/verify/{new.code}/"
    assert latest["download_url"] is None and latest["pdf_sha256"] is None
    assert previous["download_url"] == f"http://testserver/learn/certificates/{old.pk}/download/"
    assert previous["pdf_sha256"] == old.pdf_sha256 and len(old.pdf_sha256) == 64
    assert latest["holder"] == {"id": world["member"].pk, "name": "陆队员"}
    assert latest["team"]["name"] == world["qingxiu_team"].name
    # The download URL works for the caller.
    assert client.get(previous["download_url"]).status_code == 200


def test_revoked_certificate_says_why(client, world, issue):
    certificate = issue(world["member"])
    certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason="冒名参考")
    client.force_login(world["member_user"])
    (body,) = client.get(f"{API}/me/certificates").json()
    assert body["status"] == {"code": "revoked", "label": "已撤销"}
    assert body["revoked_reason"] == "冒名参考"


def test_my_certificates_without_a_member_record_is_400(client, world):
    client.force_login(world["qingxiu_admin"])
    response = client.get(f"{API}/me/certificates")
    assert response.status_code == 400
    assert "尚未登记为队员" in response.json()["detail"]


def test_my_certificates_needs_authentication(client, world):
    assert client.get(f"{API}/me/certificates").status_code == 401


@pytest.mark.parametrize("who", ["member_user", "leader_user", "qingxiu_admin"])
def test_one_certificate_within_the_scope(client, world, issue, who):
    certificate = issue(world["member"])
    client.force_login(world[who])
    response = client.get(f"{API}/certificates/{certificate.pk}")
    assert response.status_code == 200
    assert response.json()["serial"] == certificate.serial


def test_one_certificate_outside_the_scope_is_404(client, world, issue):
    certificate = issue(world["member"])
    teammate = MemberFactory(team=world["qingxiu_team"], user=UserFactory(username="mate"))
    for user in (teammate.user, world["liuzhou_admin"]):
        client.force_login(user)
        response = client.get(f"{API}/certificates/{certificate.pk}")
        assert response.status_code == 404
        assert response.json()["detail"] == "未找到该证书。"
    client.force_login(world["qingxiu_admin"])
    assert client.get(f"{API}/certificates/{certificate.pk + 100}").status_code == 404


def test_openapi_lists_the_endpoints(client, world):
    client.force_login(world["member_user"])
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert "/api/v1/me/certificates" in paths
    assert "/api/v1/certificates/{certificate_id}" in paths
