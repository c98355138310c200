"""seed_demo builds the demo site, twice without change, and never in production."""

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from wagtail.images.models import Image
from wagtail.models import Locale, Page, Revision

import pytest

from cms.models import ArticlePage, HazardType

pytestmark = pytest.mark.django_db

REQUIRED_HAZARDS = {
    HazardType.FLOOD,
    HazardType.TYPHOON,
    HazardType.LANDSLIDE,
    HazardType.EARTHQUAKE,
    HazardType.HOME_FIRE,
    HazardType.FOREST_FIRE,
    HazardType.FIRST_AID,
    HazardType.EVACUATION,
}


def _counts():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        Image.objects.count(),
        get_user_model().objects.count(),
    )


def test_seed_demo_builds_the_site_and_is_idempotent(client):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first

    # The Chinese articles (their English translations and aliases live under /en/ and /za/).
    articles = ArticlePage.objects.live().filter(locale=Locale.get_default())
    assert articles.count() >= 8
    assert set(articles.values_list("hazard_type", flat=True)) >= REQUIRED_HAZARDS
    assert all(a.hero_image_id for a in articles)

    home = client.get("/")
    assert home.status_code == 200
    assert "应急先锋学院" in home.content.decode()
    listing = client.get("/articles/").content.decode()
    assert all(a.title in listing for a in articles)
    assert "12379" in home.content.decode()  # hotlines from the site settings


def test_demo_accounts_sign_in_with_the_documented_password(client):
    call_command("seed_demo")
    for username in ["admin", "reviewer", "trainer", "county", "leader", "member"]:
        assert client.login(username=username, password="demo1234"), username
        client.logout()
    assert get_user_model().objects.get(username="admin").is_superuser


def test_evacuation_article_offers_a_downloadable_checklist(client):
    call_command("seed_demo")
    article = ArticlePage.objects.get(
        hazard_type=HazardType.EVACUATION, locale=Locale.get_default()
    )
    html = client.get(article.url).content.decode()
    assert "家庭应急物资清单" in html
    href = html.split('class="block-document"><a class="button button-secondary" href="')[1]
    response = client.get(href.split('"')[0])
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_refuses_to_run_with_production_settings(settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="生产环境"):
        call_command("seed_demo")
    assert not ArticlePage.objects.exists()
