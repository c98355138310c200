"""The public top ten at /top-ten/: what was announced, whatever happens to the data after;
earlier years beneath it; the cities' lists; links to the teams' pages and stories; no
member named; a 404 for what was never announced."""

import datetime

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

import pytest

from cms.translation import page_aliases_create
from lms.models import Member
from lms.selectors.ranking import EXCLUSIONS, top_teams
from lms.services.compliance import teams_evaluate
from publicity.models import TeamPage
from publicity.selectors.topten import top_ten_rows
from publicity.services.topten import top_ten_announce
from tests.factories import AreaFactory

from .conftest import (
    certified_only,
    last_year_snapshots,
    live_story,
    live_team_page,
    page_rows,
    page_text,
    this_year,
    took_part_only,
)

pytestmark = pytest.mark.django_db


def as_shown(rows) -> list[dict]:
    """The live ranking's rows as the public page prints them."""
    return [
        {
            "rank": row.rank,
            "team": row.team.name,
            "community": row.community_name,
            "score": str(row.score),
            "coverage": f"{row.coverage_percent}%",
            "participation": f"{row.participation_percent}%",
            "hours": str(row.hours_per_member),
            "improvement": f"{row.improvement:.2f}",
            "members": str(row.members),
        }
        for row in rows
    ]


def figures_of(rows: list[dict]) -> list[dict]:
    keep = ("rank", "team", "community", "score", "coverage", "participation", "hours")
    return [{k: row[k] for k in (*keep, "improvement", "members")} for row in rows]


def test_nothing_announced_yet_is_a_friendly_page(client, sections, ranked):
    response = client.get("/top-ten/")
    assert response.status_code == 200
    assert "十佳社区响应队评选结果尚未公布" in page_text(response.content)
    assert page_rows(response.content) == []


def test_the_page_shows_the_frozen_ranking_even_after_new_data_arrives(
    client, sections, ranked, region_admin, build_team
):
    year = this_year()
    at_announcement = as_shown(top_teams(year))
    selection = top_ten_announce(year=year, area=ranked["areas"]["region"], user=region_admin)

    # New data: the leader's certificates lapse, the third team misses drills, a new team
    # with full marks is built; everything is evaluated again.
    certified_only(ranked["full"], 14)
    took_part_only(ranked["covered"], 16)
    jinhu = AreaFactory.child(ranked["areas"]["xinzhu"], "金湖社区", "450103001004")
    build_team(jinhu, name="金湖应急响应队")
    teams_evaluate()
    now = as_shown(top_teams(year))
    assert now != at_announcement
    assert now[0]["team"] == "金湖应急响应队"
    assert now[1]["team"] == "西门应急响应队"

    for url in ["/top-ten/", f"/top-ten/{year}/"]:
        cache.clear()
        response = client.get(url)
        assert response.status_code == 200
        shown = page_rows(response.content)
        assert figures_of(shown) == at_announcement
        assert [row["team"] for row in shown] == [
            "桂雅路应急响应队",
            "西门应急响应队",
            "民乐应急响应队",
        ]
        assert (shown[0]["score"], shown[0]["coverage"], shown[0]["hours"]) == (
            "85.00",
            "100.0%",
            "4.0",
        )
        assert shown[2]["coverage"] == "60.0%"
        text = page_text(response.content)
        assert selection.formula in text
        assert all(str(line) in text for line in EXCLUSIONS)
        assert "金湖应急响应队" not in text


def test_the_formula_is_the_one_frozen_at_the_announcement(client, sections, ranked, region_admin):
    selection = top_ten_announce(
        year=this_year(), area=ranked["areas"]["region"], user=region_admin
    )
    selection.formula = "综合得分 = 公布时的公式。"
    selection.save()
    assert "综合得分 = 公布时的公式。" in page_text(client.get("/top-ten/").content)


def test_earlier_years_are_beneath_the_current_one(client, sections, ranked, region_admin):
    year = this_year()
    region = ranked["areas"]["region"]
    last_year_snapshots({ranked["drilled"].pk: "90.00"})
    top_ten_announce(year=year - 1, area=region, user=region_admin)

    # Only last year announced so far: it is the current one.
    shown = page_rows(client.get("/top-ten/").content)
    assert (shown[0]["team"], shown[0]["score"]) == ("西门应急响应队", "90.00")

    top_ten_announce(year=year, area=region, user=region_admin)
    cache.clear()
    current = client.get("/top-ten/")
    assert page_rows(current.content)[0]["team"] == "桂雅路应急响应队"
    assert f'href="/top-ten/{year - 1}/"' in current.content.decode()
    earlier = client.get(f"/top-ten/{year - 1}/")
    assert earlier.status_code == 200
    assert f"{year - 1} 年度" in page_text(earlier.content)
    assert [(row["team"], row["score"]) for row in page_rows(earlier.content)] == [
        ("西门应急响应队", "90.00"),
        ("桂雅路应急响应队", "85.00"),
        ("民乐应急响应队", "69.70"),
    ]
    assert page_rows(client.get(f"/top-ten/{year}/").content) == page_rows(current.content)


def test_a_city_list_and_the_links_to_it(client, sections, ranked, region_admin, nanning_admin):
    year = this_year()
    top_ten_announce(year=year, area=ranked["areas"]["nanning"], user=nanning_admin)

    # The city is announced before the region: the year page says so and links the city.
    pending = client.get("/top-ten/")
    assert "本年度十佳尚未公布，可先查看各市的评选结果" in page_text(pending.content)
    assert f'href="/top-ten/{year}/450100/"' in pending.content.decode()

    top_ten_announce(year=year, area=ranked["areas"]["region"], user=region_admin)
    cache.clear()
    region_page = client.get(f"/top-ten/{year}/")
    assert f'href="/top-ten/{year}/450100/"' in region_page.content.decode()
    assert f'href="/top-ten/{year}/450200/"' not in region_page.content.decode()

    city = client.get(f"/top-ten/{year}/450100/")
    assert city.status_code == 200
    assert f"{year} 年度南宁市十佳社区响应队" in page_text(city.content)
    rows = page_rows(city.content)
    assert [(row["rank"], row["team"]) for row in rows] == [
        (1, "桂雅路应急响应队"),
        (2, "民乐应急响应队"),
    ]
    assert all(row["community"].startswith("南宁市") for row in rows)


def test_what_was_never_announced_is_not_found(client, sections, ranked, nanning_admin):
    year = this_year()
    assert client.get(f"/top-ten/{year}/").status_code == 404  # nothing yet
    top_ten_announce(year=year, area=ranked["areas"]["nanning"], user=nanning_admin)
    region_code = ranked["areas"]["region"].code
    for url in [
        f"/top-ten/{year - 1}/",
        f"/top-ten/{year + 1}/",
        "/top-ten/1999/450100/",
        f"/top-ten/{year}/450200/",  # Liuzhou: not announced
        f"/top-ten/{year}/450103/",  # a county
        f"/top-ten/{year}/{region_code}/",
        f"/top-ten/{year}/999999/",
        f"/top-ten/{year}/nanning/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/top-ten/{year}/450100/").status_code == 200


def test_teams_link_to_their_published_pages_and_stories(client, sections, ranked, region_admin):
    full, covered, drilled = ranked["full"], ranked["covered"], ranked["drilled"]
    full_page = live_team_page(sections["teams"], full)
    draft = live_team_page(sections["teams"], covered)
    draft.unpublish()
    day = datetime.date(this_year(), 3, 1)
    live_story(sections["stories"], [full, drilled], title="防汛转移群众", day=day)
    live_story(sections["stories"], [full], title="入户宣传", day=day + datetime.timedelta(days=9))
    hidden = live_story(sections["stories"], [covered], title="未发布的故事", day=day)
    hidden.unpublish()
    top_ten_announce(year=this_year(), area=ranked["areas"]["region"], user=region_admin)

    rows = {row["team"]: row for row in page_rows(client.get("/top-ten/").content)}
    assert rows["桂雅路应急响应队"]["team_url"] == full_page.url == f"/teams/team-{full.pk}/"
    assert rows["桂雅路应急响应队"]["stories"] == ["入户宣传", "防汛转移群众"]
    assert rows["西门应急响应队"]["team_url"] is None
    assert rows["西门应急响应队"]["stories"] == ["防汛转移群众"]
    assert rows["民乐应急响应队"]["team_url"] is None  # its page is a draft
    assert rows["民乐应急响应队"]["stories"] == []


def test_the_visitor_language_picks_the_team_page_in_that_language(
    client, sections, ranked, region_admin
):
    page = live_team_page(sections["teams"], ranked["full"])
    page_aliases_create(sections["top_ten"])  # both trees in every language (no-op if there)
    page_aliases_create(page)
    english = TeamPage.objects.get(team=ranked["full"], locale__language_code="en")
    selection = top_ten_announce(
        year=this_year(), area=ranked["areas"]["region"], user=region_admin
    )
    with translation.override("zh-hans"):
        assert top_ten_rows(selection)[0].team_page.pk == page.pk
    with translation.override("en"):
        assert top_ten_rows(selection)[0].team_page.pk == english.pk
    response = client.get("/en/top-ten/")
    assert response.status_code == 200
    assert page_rows(response.content)[0]["team_url"] == f"/en/teams/team-{ranked['full'].pk}/"

    english.delete()  # no English page: the Chinese one
    with translation.override("en"):
        assert top_ten_rows(selection)[0].team_page.pk == page.pk


def test_publishing_a_team_page_or_story_refreshes_the_cached_list(
    client, sections, ranked, region_admin
):
    top_ten_announce(year=this_year(), area=ranked["areas"]["region"], user=region_admin)
    assert page_rows(client.get("/top-ten/").content)[0]["team_url"] is None
    assert client.get("/top-ten/")["X-Page-Cache"] == "hit"

    page = live_team_page(sections["teams"], ranked["full"])
    story = live_story(
        sections["stories"], [ranked["full"]], title="防汛转移群众", day=datetime.date.today()
    )
    first = page_rows(client.get("/top-ten/").content)[0]
    assert (first["team_url"], first["stories"]) == (page.url, ["防汛转移群众"])

    story.unpublish()
    page.unpublish()
    first = page_rows(client.get("/top-ten/").content)[0]
    assert (first["team_url"], first["stories"]) == (None, [])


def test_queries_do_not_grow_with_team_pages_and_stories(client, sections, ranked, region_admin):
    top_ten_announce(year=this_year(), area=ranked["areas"]["region"], user=region_admin)

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/top-ten/").status_code == 200
        return len(captured)

    queries()  # the first request also warms the site and locale caches
    bare = queries()
    day = datetime.date(this_year(), 3, 1)
    for team in (ranked["full"], ranked["covered"], ranked["drilled"]):
        live_team_page(sections["teams"], team)
        for n in range(2):
            live_story(sections["stories"], [team], title=f"{team.pk}-故事{n}", day=day)
    rows = page_rows(client.get("/top-ten/").content)
    assert all(row["team_url"] and len(row["stories"]) == 2 for row in rows)
    assert queries() == bare


def test_no_member_is_named_or_identified(client, sections, ranked, region_admin, nanning_admin):
    year = this_year()
    live_team_page(sections["teams"], ranked["full"])
    top_ten_announce(year=year, area=ranked["areas"]["region"], user=region_admin)
    top_ten_announce(year=year, area=ranked["areas"]["nanning"], user=nanning_admin)
    members = list(Member.objects.values_list("name", "id_number", "phone"))
    assert len(members) > 60
    for url in ["/top-ten/", f"/top-ten/{year}/", f"/top-ten/{year}/450100/"]:
        html = client.get(url).content.decode()
        assert "桂雅路应急响应队" in html
        for name, id_number, phone in members:
            assert name not in html, (url, name)
            assert id_number not in html, url
            assert phone not in html, url
