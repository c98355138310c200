"""The leaders' screens under /learn/: who may open them, and drafting through them."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.images import get_image_model
from wagtail.models import WorkflowState

import pytest

from publicity.models import StoryPage, TeamPage
from tests.factories import MemberFactory, UserFactory

from .conftest import INTRO, png_upload

pytestmark = pytest.mark.django_db


def _urls(team, story=None) -> list[str]:
    urls = [
        reverse("publicity:team_page", args=[team.pk]),
        reverse("publicity:team_stories", args=[team.pk]),
        reverse("publicity:story_new", args=[team.pk]),
    ]
    if story is not None:
        urls.append(reverse("publicity:story_edit", args=[team.pk, story.pk]))
    return urls


@pytest.fixture
def other_leader(world):
    user = UserFactory(username="liuzhou-leader")
    leader = MemberFactory(team=world["liuzhou_team"], name="柳队长", user=user)
    world["liuzhou_team"].leader = leader
    world["liuzhou_team"].save()
    return user


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, drafted, world):
    for url in _urls(world["qingxiu_team"], drafted["story"]):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url
    assert client.post(_urls(world["qingxiu_team"])[0], {"introduction": "x"}).status_code == 302


def test_people_outside_the_team_get_404(client, drafted, world, other_leader):
    team = world["qingxiu_team"]
    for user in (other_leader, world["liuzhou_admin"], world["member_user"]):
        client.force_login(user)
        for url in _urls(team, drafted["story"]):
            assert client.get(url).status_code == 404, (user, url)
        response = client.post(_urls(team)[0], {"introduction": "别人的简介", "action": "draft"})
        assert response.status_code == 404
    assert TeamPage.objects.get(pk=drafted["page"].pk).introduction == INTRO


def test_a_story_of_another_team_is_not_found_through_ones_own_team(
    client, drafted, world, other_leader
):
    client.force_login(other_leader)
    url = reverse("publicity:story_edit", args=[world["liuzhou_team"].pk, drafted["story"].pk])
    assert client.get(url).status_code == 404


def test_the_leader_and_the_county_administrator_open_them(client, drafted, world):
    for user in (world["leader_user"], world["qingxiu_admin"]):
        client.force_login(user)
        for url in _urls(world["qingxiu_team"], drafted["story"]):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            # Forms and per-person content: never kept by a cache.
            assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]


def test_the_leader_drafts_then_submits_the_team_page(client, sections, world):
    team = world["qingxiu_team"]
    url = reverse("publicity:team_page", args=[team.pk])
    client.force_login(world["leader_user"])
    html = client.get(url).content.decode()
    assert "未创建" in html
    assert "保存草稿" in html and "提交审核" in html

    response = client.post(
        url,
        {"title": "", "introduction": INTRO, "photo": png_upload(), "action": "draft"},
    )
    assert response.status_code == 302
    page = TeamPage.objects.get(team=team, locale__language_code="zh-hans")
    assert not page.live
    assert page.title == team.name
    assert page.photo is not None
    html = client.get(url).content.decode()
    assert "草稿" in html
    assert "欢迎居民加入" in html  # the form shows the draft

    response = client.post(url, {"title": "新竹尖兵", "introduction": INTRO, "action": "submit"})
    assert response.status_code == 302
    page.refresh_from_db()
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == "in_progress"
    assert page.photo is not None  # no new photo chosen: the old one stays
    html = client.get(url, follow=True).content.decode()
    assert "审核中" in html
    assert "已提交审核" in html
    assert 'data-form="team-page"' not in html  # nothing to change while it is reviewed


def test_a_wrong_photo_is_shown_with_the_reason_and_nothing_saved(client, sections, world):
    url = reverse("publicity:team_page", args=[world["qingxiu_team"].pk])
    client.force_login(world["leader_user"])
    response = client.post(
        url,
        {
            "introduction": INTRO,
            "photo": SimpleUploadedFile("photo.jpg", b"this is text, not a photo"),
            "action": "submit",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "图片无法使用" in html
    assert "不是图片" in html
    assert not TeamPage.objects.exists()
    assert not get_image_model().objects.exists()


def test_a_member_name_in_the_introduction_is_shown_as_the_reason(client, sections, world):
    url = reverse("publicity:team_page", args=[world["qingxiu_team"].pk])
    client.force_login(world["leader_user"])
    response = client.post(url, {"introduction": "队员陆队员擅长急救。", "action": "draft"})
    assert response.status_code == 200
    assert "为保护队员隐私" in response.content.decode()
    assert not TeamPage.objects.exists()


def test_the_leader_writes_lists_and_edits_a_story(client, sections, world):
    team = world["qingxiu_team"]
    client.force_login(world["leader_user"])
    response = client.post(
        reverse("publicity:story_new", args=[team.pk]),
        {
            "title": "防汛演练",
            "story_date": "2025-06-01",
            "summary": "全员参加的防汛演练。",
            "body": "第一段。\n\n第二段。",
            "action": "draft",
        },
    )
    story = StoryPage.objects.get(written_by=team, locale__language_code="zh-hans")
    edit_url = reverse("publicity:story_edit", args=[team.pk, story.pk])
    assert response.status_code == 302
    assert response.url == edit_url

    listing = client.get(reverse("publicity:team_stories", args=[team.pk])).content.decode()
    assert "防汛演练" in listing
    assert "草稿" in listing
    assert edit_url in listing

    html = client.get(edit_url).content.decode()
    assert "第一段。\n\n第二段。" in html
    response = client.post(
        edit_url,
        {
            "title": "防汛演练（修订）",
            "story_date": "2025-06-01",
            "summary": "全员参加的防汛演练。",
            "body": "只有一段。",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "防汛演练（修订）"
    assert WorkflowState.objects.get(object_id=str(story.pk)).status == "in_progress"
    listing = client.get(reverse("publicity:team_stories", args=[team.pk])).content.decode()
    assert "审核中" in listing


def test_the_team_progress_page_links_to_the_public_page_screen(client, sections, world):
    team = world["qingxiu_team"]
    client.force_login(world["leader_user"])
    html = client.get(reverse("learn:team_progress", args=[team.pk])).content.decode()
    assert reverse("publicity:team_page", args=[team.pk]) in html


def test_the_live_page_is_linked_once_published(client, published, world):
    client.force_login(world["leader_user"])
    html = client.get(
        reverse("publicity:team_page", args=[world["qingxiu_team"].pk])
    ).content.decode()
    assert "已发布" in html
    assert f'href="{published["page"].url}"' in html
