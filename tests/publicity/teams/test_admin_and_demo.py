"""Pages made in the admin get their language counterparts; the demo's team pages and story."""

import io

from wagtail.models import Locale

import pytest

from publicity.demo import teams as demo_teams
from publicity.models import StoryPage, TeamPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _story_form(world, **overrides):
    data = {
        "title": "区应急办：汛期工作回顾",
        "slug": "flood-season-review",
        "story_date": "2025-09-01",
        "teams": [str(world["qingxiu_team"].pk)],
        "summary": "回顾今年汛期各队的工作。",
        "hero_image": "",
        "body-count": "1",
        "body-0-type": "paragraph",
        "body-0-value": '{"blocks":[{"key":"a","text":"各队坚守一线。","type":"unstyled",'
        '"depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_story_made_in_the_admin_gets_aliases_in_every_language(client, sections, world):
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.post(
        f"/admin/pages/add/publicity/storypage/{sections['stories'].pk}/",
        _story_form(world, **{"action-publish": "1"}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    story = StoryPage.objects.get(slug="flood-season-review", locale=Locale.get_default())
    aliases = StoryPage.objects.filter(alias_of=story)
    assert {a.locale.language_code for a in aliases} == {"za", "en"}
    assert all(a.live for a in aliases)
    assert client.get("/en/stories/flood-season-review/").status_code == 200


def test_demo_seeds_published_pages_of_active_teams_and_a_story_once(client, sections, world):
    UserFactory(username="admin", is_superuser=True)
    # The world's Qingxiu team sits in the demo's home community (新竹社区, active); its
    # Liuzhou team is in a community the demo does not list.
    for _run in range(2):
        demo_teams.seed(io.StringIO(), index=sections["teams"], stories=sections["stories"])
    pages = TeamPage.objects.filter(locale=Locale.get_default())
    assert [p.team for p in pages] == [world["qingxiu_team"]]
    page = pages.get()
    assert page.live and page.photo is not None
    stories = StoryPage.objects.filter(locale=Locale.get_default())
    assert stories.count() == 1
    story = stories.get()
    assert story.live
    assert list(story.teams.all()) == [world["qingxiu_team"]]
    html = client.get(page.url).content.decode()
    assert story.title in html
