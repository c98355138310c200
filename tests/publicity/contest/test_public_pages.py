"""What the public sees: entries appear only once approved; authors' contacts never appear."""

import datetime

from django.test import Client
from django.utils import timezone

from cms.translation import page_aliases_create
from publicity.models import EntryStatus
from publicity.services.contest import contest_entry_review
from tests.factories import UserFactory

from .conftest import make_contest, make_entry, mp4_bytes

OVERVIEW = "/contest/shorts/"


def test_the_index_lists_the_open_contest_first(sections):
    now = timezone.now()
    make_contest(
        sections["contest"],
        slug="last-year",
        title="去年的大赛",
        opens_at=now - datetime.timedelta(days=400),
        closes_at=now - datetime.timedelta(days=300),
    )
    make_contest(sections["contest"], title="今年的大赛")
    make_contest(
        sections["contest"],
        slug="next",
        title="下一届大赛",
        opens_at=now + datetime.timedelta(days=60),
        closes_at=now + datetime.timedelta(days=90),
    )

    page = Client().get("/contest/").content.decode()

    assert page.index("今年的大赛") < page.index("下一届大赛") < page.index("去年的大赛")
    assert "征集中" in page and "即将开始" in page and "已截止" in page


def test_the_overview_shows_rules_dates_criteria_and_state(contest):
    page = Client().get(OVERVIEW).content.decode()

    assert "作品时长 1 至 3 分钟" in page
    assert "征集中" in page
    for name, weight in [("主题立意", 30), ("知识准确", 30), ("创意表现", 20), ("制作水平", 20)]:
        assert name in page
        assert f"<td>{weight}</td>" in page
    assert "/contest/shorts/submit/" in page


def test_a_pending_entry_is_hidden_until_approved_then_shown(
    contest, people, django_capture_on_commit_callbacks
):
    entry = make_entry(contest, status=EntryStatus.PENDING, title="楼道堆物", video=mp4_bytes())
    visitor = Client()
    entry_url = f"{OVERVIEW}entries/{entry.pk}/"
    video_url = f"{entry_url}video/"

    assert "楼道堆物" not in visitor.get(OVERVIEW).content.decode()
    assert visitor.get(entry_url).status_code == 404
    assert visitor.get(video_url).status_code == 404
    # Signed-in people who are neither reviewers nor judges don't see it either.
    someone = Client()
    someone.force_login(people["voter"])
    assert someone.get(video_url).status_code == 404
    # Its reviewers and the judges may watch it before deciding.
    for role in ("reviewer", "judge"):
        insider = Client()
        insider.force_login(people[role])
        assert insider.get(video_url).status_code == 200
        assert insider.get(entry_url).status_code == 404  # still not a public page

    # The overview was cached while the entry was pending; approval clears it.
    assert visitor.get(OVERVIEW)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        contest_entry_review(entry=entry, user=people["reviewer"], approve=True)

    assert "楼道堆物" in visitor.get(OVERVIEW).content.decode()
    page = visitor.get(entry_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<video class="contest-video" controls preload="metadata"' in html
    assert f'src="{video_url}"' in html
    assert visitor.get(video_url).status_code == 200


def test_a_rejected_entry_stays_hidden(contest, people):
    entry = make_entry(contest, status=EntryStatus.PENDING, title="跑题的作品")
    contest_entry_review(entry=entry, user=people["reviewer"], approve=False, note="与应急主题无关")
    assert "跑题的作品" not in Client().get(OVERVIEW).content.decode()
    assert Client().get(f"{OVERVIEW}entries/{entry.pk}/").status_code == 404


def test_authors_names_and_phones_never_appear_in_public(contest, world):
    entry = make_entry(
        contest,
        author_name="覃秘密",
        author_phone="13912345678",
        team=world["qingxiu_team"],
        description="演示内容。",
    )
    contest.results_published = True
    contest.save_revision().publish()
    client = Client()
    for url in [OVERVIEW, f"{OVERVIEW}entries/{entry.pk}/", f"{OVERVIEW}results/", "/contest/"]:
        html = client.get(url).content.decode()
        assert "覃秘密" not in html, url
        assert "13912345678" not in html, url
    assert world["qingxiu_team"].name in client.get(OVERVIEW).content.decode()


def test_an_embed_link_is_shown_as_a_player_and_a_link(contest):
    entry = make_entry(contest, embed_url="https://www.bilibili.com/video/BV1xx411c7mD")
    html = Client().get(f"{OVERVIEW}entries/{entry.pk}/").content.decode()
    assert 'src="https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&amp;autoplay=0"' in html
    assert 'href="https://www.bilibili.com/video/BV1xx411c7mD"' in html


def test_the_english_alias_shows_the_same_entries(contest):
    make_entry(contest, title="汛期应急包")
    page_aliases_create(contest)

    response = Client().get("/en/contest/shorts/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "汛期应急包" in html
    assert "/en/contest/shorts/entries/" in html


def test_the_results_page_opens_when_the_results_are_published(contest, people):
    assert Client().get(f"{OVERVIEW}results/").status_code == 404
    make_entry(contest, title="第一名作品")
    contest.results_published = True
    contest.save_revision().publish()

    response = Client().get(f"{OVERVIEW}results/")

    assert response.status_code == 200
    assert "第一名作品" in response.content.decode()
    assert "结果已公布" in Client().get(OVERVIEW).content.decode()


def test_the_entry_page_offers_a_sign_in_to_vote_to_visitors(contest):
    entry = make_entry(contest)
    html = Client().get(f"{OVERVIEW}entries/{entry.pk}/").content.decode()
    assert "登录后投票" in html
    assert f"/accounts/login/?next=%2Fcontest%2Fshorts%2Fentries%2F{entry.pk}%2F" in html
    assert "csrfmiddlewaretoken" not in html  # so the visitor's copy may be cached


def test_a_signed_in_persons_entry_page_is_never_cached(contest):
    entry = make_entry(contest)
    client = Client()
    client.force_login(UserFactory(username="fan"))
    response = client.get(f"{OVERVIEW}entries/{entry.pk}/")
    assert "投一票" in response.content.decode()
    assert "Cookie" in response["Vary"]


def test_republishing_the_contest_refreshes_its_cached_entry_pages(contest):
    entry = make_entry(contest)
    visitor = Client()
    url = f"{OVERVIEW}entries/{entry.pk}/"
    assert "登录后投票" in visitor.get(url).content.decode()
    assert visitor.get(url)["X-Page-Cache"] == "hit"

    contest.votes_enabled = False
    contest.save_revision().publish()

    assert "登录后投票" not in visitor.get(url).content.decode()
