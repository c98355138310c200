"""Team files are served only through scope-checked views, never from MEDIA_URL."""

import datetime

from django.core.files.base import ContentFile

import pytest

from lms.models import InsurancePolicy, TeamDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(world):
    team = world["qingxiu_team"]
    document = TeamDocument(team=team, kind="charter", title="组织章程")
    document.file.save("charter.pdf", ContentFile(b"%PDF-1.4 charter"), save=True)
    policy = InsurancePolicy(
        team=team,
        insurer="中国人寿",
        policy_number="P-001",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    policy.document.save("policy.pdf", ContentFile(b"%PDF-1.4 policy"), save=True)
    return {"document": document, "policy": policy}


def _body(response):
    return b"".join(response.streaming_content)


def test_files_live_outside_the_public_media_folder(files, settings):
    path = files["document"].file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT / "teams"))


def test_member_downloads_their_teams_charter(client, world, files):
    client.force_login(world["member_user"])
    response = client.get(f"/records/documents/{files['document'].pk}/download/")
    assert response.status_code == 200
    assert _body(response) == b"%PDF-1.4 charter"
    assert "attachment" in response["Content-Disposition"]


def test_policies_are_for_those_who_manage_the_team(client, world, files):
    url = f"/records/policies/{files['policy'].pk}/download/"
    client.force_login(world["member_user"])
    assert client.get(url).status_code == 404
    client.force_login(world["leader_user"])
    assert _body(client.get(url)) == b"%PDF-1.4 policy"
    client.force_login(world["qingxiu_admin"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["liuzhou_admin"])
def test_another_countys_administrator_gets_404(client, world, files, who):
    client.force_login(world[who])
    assert client.get(f"/records/documents/{files['document'].pk}/download/").status_code == 404
    assert client.get(f"/records/policies/{files['policy'].pk}/download/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, files):
    response = client.get(f"/records/documents/{files['document'].pk}/download/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
