"""What the public sees: the directory, team pages and stories; never a member's name or ID."""

import datetime

from django.utils import timezone, translation

from wagtail.models import Locale

import pytest

from lms.models import CertificateStatus, Drill, EventStatus, Member
from publicity.models import StoryPage, TeamPage
from publicity.selectors.teams import stories_about, team_public_figures
from publicity.services.pages import story_save, team_page_save
from tests.factories import (
    AreaFactory,
    CourseIndexPageFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    course_with_lessons,
)
from tests.lms.compliance.conftest import certify

from .conftest import INTRO, approve, png_upload

pytestmark = pytest.mark.django_db


def _publish(team, user, approver, **fields):
    page = team_page_save(
        team=team, user=user, introduction=fields.pop("introduction", INTRO), submit=True, **fields
    )
    return approve(page, approver)


# -- privacy -----------------------------------------------------------------------------


def test_no_member_name_id_or_phone_on_any_public_page(client, published, world):
    team = world["qingxiu_team"]
    # A fuller roster: people who joined, one who left, the leader and a deputy.
    for name in ("韦海燕", "覃志强", "黄丽萍"):
        MemberFactory(team=team, name=name)
    MemberFactory(team=team, name="莫离队", left_on=datetime.date(2025, 1, 1))
    team.deputy = Member.objects.get(name="韦海燕")
    team.save()
    page, story = published["page"], published["story"]
    urls = [
        page.url,
        "/en" + page.url,
        "/za" + page.url,
        "/teams/",
        f"/teams/?q={team.name}",
        "/teams/?city=450100",
        story.url,
        "/en" + story.url,
        "/stories/",
    ]
    members = list(team.members.all())
    assert len(members) == 6
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert team.name in html, url  # the page is about the team...
        for member in members:  # ...and names none of its people
            assert member.name not in html, (url, member.name)
            assert member.id_number not in html, (url, member.name)
            assert member.id_number_masked not in html, (url, member.name)
            assert member.phone not in html, (url, member.name)


def test_the_team_page_shows_what_the_issue_lists(client, sections, world):
    team = world["qingxiu_team"]
    page = _publish(team, world["leader_user"], world["qingxiu_admin"], photo=png_upload())
    html = client.get(page.url).content.decode()
    assert team.name in html
    assert "南宁市青秀区新竹街道新竹社区" in html
    assert "成立于 2024年3月1日" in html
    assert "欢迎居民加入" in html
    assert 'data-figure="drills"' in html
    assert 'data-figure="certified"' in html
    # The photo as a rendition, never the original upload.
    assert "/images/team-" in html
    assert "original_images" not in html
    assert 'href="/teams/"' in html


# -- drafts are not public ---------------------------------------------------------------


def test_drafts_are_not_public_until_approved(client, drafted, world):
    page, story = drafted["page"], drafted["story"]
    for url in (page.url, story.url, "/en" + page.url, "/za" + story.url):
        assert client.get(url).status_code == 404, url
    assert page.title not in client.get("/teams/").content.decode()
    assert story.title not in client.get("/stories/").content.decode()
    # Signed in as its leader makes no difference to the public address.
    client.force_login(world["leader_user"])
    assert client.get(page.url).status_code == 404
    client.logout()

    approve(page, world["qingxiu_admin"])
    approve(story, world["qingxiu_admin"])
    assert client.get(page.url).status_code == 200
    assert client.get(story.url).status_code == 200


def test_a_new_draft_of_a_live_page_stays_private(client, published, world):
    team_page_save(
        team=world["qingxiu_team"], user=world["leader_user"], introduction="尚未批准的新简介"
    )
    html = client.get(published["page"].url).content.decode()
    assert "欢迎居民加入" in html
    assert "尚未批准的新简介" not in html


# -- the directory ------------------------------------------------------------------------


@pytest.fixture
def directory(sections, world):
    """Published pages of three teams: two in 青秀区 (南宁), one in 城中区 (柳州)."""
    admin = UserFactory(username="root", is_superuser=True)
    areas = world["areas"]
    guiya = TeamFactory(community=areas["xinzhu_2"], name="桂雅路社区应急响应队")
    pages = {
        "xinzhu": _publish(world["qingxiu_team"], admin, admin),
        "guiya": _publish(guiya, admin, admin),
        "gongyuan": _publish(world["liuzhou_team"], admin, admin),
    }
    return pages


def _cards(client, query="") -> list[str]:
    html = client.get(f"/teams/{query}").content.decode()
    return [
        title
        for title in ("新竹社区应急响应队", "桂雅路社区应急响应队", "公园社区应急响应队")
        if f">{title}</a>" in html
    ]


def test_directory_lists_every_live_team_page_and_filters_by_area(client, directory):
    everyone = ["新竹社区应急响应队", "桂雅路社区应急响应队", "公园社区应急响应队"]
    assert _cards(client) == everyone
    assert _cards(client, "?city=450200") == ["公园社区应急响应队"]
    assert _cards(client, "?city=450100") == ["新竹社区应急响应队", "桂雅路社区应急响应队"]
    assert _cards(client, "?city=450100&county=450103") == everyone[:2]
    assert _cards(client, "?county=450202") == ["公园社区应急响应队"]
    # A county outside the chosen city, or codes that are not areas, filter nothing out.
    assert _cards(client, "?city=450100&county=450202") == everyone[:2]
    assert _cards(client, "?city=abc&county=1%27%20or%201") == everyone
    assert _cards(client, "?city=450103") == everyone  # a county code is not a city
    # A search on the team's or community's name.
    assert _cards(client, "?q=桂雅") == ["桂雅路社区应急响应队"]
    assert _cards(client, "?q=公园社区&city=450100") == []


def test_directory_offers_the_areas_that_have_teams(client, directory):
    html = client.get("/teams/").content.decode()
    assert 'href="?city=450100"' in html and 'href="?city=450200"' in html
    assert "county=" not in html  # counties appear once a city is chosen
    html = client.get("/teams/?city=450100").content.decode()
    assert 'href="?city=450100&amp;county=450103"' in html
    assert "county=450202" not in html


def test_directory_pages_by_twenty(client, sections, world):
    admin = UserFactory(username="root", is_superuser=True)
    township = world["areas"]["xinzhu"]
    for n in range(21):
        community = AreaFactory.child(township, f"测试{n:02d}社区", f"450103001{n + 100:03d}")
        _publish(TeamFactory(community=community), admin, admin)
    first = client.get("/teams/").content.decode()
    assert first.count('class="card team-card"') == 20
    assert "第 1 / 2 页" in first
    second = client.get("/teams/?page=2").content.decode()
    assert second.count('class="card team-card"') == 1
    assert client.get("/teams/?page=x").status_code == 200


def test_the_directory_in_english_lists_the_english_pages(client, directory):
    html = client.get("/en/teams/").content.decode()
    assert 'href="/en/teams/xin-zhu-she-qu/"' in html
    assert 'href="/teams/xin-zhu-she-qu/"' not in html


# -- the figures --------------------------------------------------------------------------


def test_figures_equal_what_the_records_say(client, published, world, site_tree):
    team = world["qingxiu_team"]
    today = timezone.localdate()
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    first_aid = course_with_lessons(catalog, code="GX-YJ-101", lessons=1)
    flood = course_with_lessons(catalog, code="GX-YJ-102", lessons=1)
    leader = world["leader"]
    extra = [MemberFactory(team=team, name=n) for n in ("韦一", "覃二", "黄三")]
    gone = MemberFactory(team=team, name="莫四", left_on=today - datetime.timedelta(days=1))
    # Active members: leader, member and three more = 5. Certified: the leader (two
    # certificates, counted once) and one extra; not: an expired one, a revoked one, the
    # member who left, the other team's member.
    certify(leader, first_aid)
    certify(leader, flood)
    certify(extra[0], flood, expires_on=today)
    certify(extra[1], first_aid, expires_on=today - datetime.timedelta(days=1))
    certify(extra[2], first_aid, status=CertificateStatus.REVOKED)
    certify(gone, first_aid)
    certify(world["other"], first_aid)
    # Drills held this year: two (one shared with the other team); not: a planned one, one
    # held last year, one of the other team only.
    this_year = timezone.make_aware(datetime.datetime(today.year, 1, 2, 9))
    last_year = timezone.make_aware(datetime.datetime(today.year - 1, 12, 31, 9))
    drills = [
        (this_year, EventStatus.HELD, [team]),
        (this_year, EventStatus.HELD, [team, world["liuzhou_team"]]),
        (this_year, EventStatus.PLANNED, [team]),
        (last_year, EventStatus.HELD, [team]),
        (this_year, EventStatus.HELD, [world["liuzhou_team"]]),
    ]
    for starts_at, status, teams in drills:
        drill = Drill.objects.create(
            title="演练",
            scenario="flood_evacuation",
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            place="社区广场",
            organiser="社区",
            status=status,
        )
        drill.teams.set(teams)

    figures = team_public_figures(team)
    assert (figures.members, figures.certified, figures.drills) == (5, 2, 2)
    assert figures.certified_percent == 40
    assert figures.year == today.year
    other = team_public_figures(world["liuzhou_team"])
    assert (other.members, other.certified, other.drills) == (1, 1, 2)

    html = client.get(published["page"].url).content.decode()
    assert 'data-figure="members">5 <small>' in html
    assert 'data-figure="drills">2 <small>' in html
    assert 'data-figure="certified">40<small>%' in html
    cards = client.get("/teams/").content.decode()
    assert "队员 5 人" in cards and "今年演练 2 次" in cards and "持证率 40%" in cards


def test_a_team_without_members_shows_no_share(sections, world):
    figures = team_public_figures(TeamFactory(community=world["areas"]["xinzhu_2"]))
    assert figures.members == 0
    assert figures.certified_percent is None


# -- stories ------------------------------------------------------------------------------


def test_a_story_links_its_team_and_the_team_lists_its_stories(client, published, world):
    page, story = published["page"], published["story"]
    story_html = client.get(story.url).content.decode()
    assert f'href="{page.url}"' in story_html
    assert "<p>队伍二十分钟内集结。</p>" in story_html
    page_html = client.get(page.url).content.decode()
    assert f'href="{story.url}"' in page_html
    assert f'href="/en{story.url}"' in client.get("/en" + page.url).content.decode()


def test_stories_are_listed_newest_first(client, published, world):
    newer = story_save(
        team=world["qingxiu_team"],
        user=world["leader_user"],
        title="冬季消防演练",
        summary="冬季消防。",
        story_date=timezone.localdate(),
        body="演练。",
        submit=True,
    )
    approve(newer, world["qingxiu_admin"])
    html = client.get("/stories/").content.decode()
    assert html.index("冬季消防演练") < html.index("暴雨夜转移群众")


def test_stories_about_a_team_come_in_the_active_language(published, world):
    team = world["qingxiu_team"]
    story = published["story"]
    english = StoryPage.objects.get(
        translation_key=story.translation_key, locale__language_code="en"
    )
    # A translator turns the English alias into a translation and publishes it.
    english.alias_of = None
    english.title = "Evacuating residents on a stormy night"
    english.save()
    english.save_revision().publish()
    with translation.override("en"):
        assert [s.title for s in stories_about(team)] == ["Evacuating residents on a stormy night"]
    # Where a language has no page of the story, the Chinese one is listed.
    StoryPage.objects.filter(
        translation_key=story.translation_key, locale__language_code="za"
    ).delete()
    with translation.override("za"):
        assert [(s.pk, s.locale) for s in stories_about(team)] == [(story.pk, Locale.get_default())]
    with translation.override("zh-hans"):
        assert [s.pk for s in stories_about(team)] == [story.pk]


def test_unpublished_stories_leave_the_team_page(client, published, world):
    page, story = published["page"], published["story"]
    assert story.title in client.get(page.url).content.decode()
    StoryPage.objects.get(pk=story.pk).unpublish()
    assert story.title not in client.get(page.url).content.decode()
    assert TeamPage.objects.get(pk=page.pk).live
