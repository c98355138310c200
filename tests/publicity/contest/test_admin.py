"""The 短视频大赛 admin screens, from inside and from outside."""

import io
from decimal import Decimal

from django.test import Client

import pytest
from openpyxl import load_workbook

from publicity.models import EntryStatus, JudgeScore
from publicity.services.contest import judge_scores_save

from .conftest import make_entry, mp4_bytes

ADMIN = "/admin/publicity/contest"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def entries(contest):
    return {
        "pending": make_entry(
            contest,
            status=EntryStatus.PENDING,
            title="待审作品",
            author_name="覃作者",
            video=mp4_bytes(),
        ),
        "approved": make_entry(contest, title="已通过作品", author_name="韦作者"),
    }


def _urls(entries) -> list[str]:
    pk = entries["pending"].pk
    return [
        f"{ADMIN}/entries/",
        f"{ADMIN}/entries/{pk}/",
        f"{ADMIN}/entries/{pk}/video/",
        f"{ADMIN}/judging/",
        f"{ADMIN}/judging/{entries['approved'].pk}/",
        f"{ADMIN}/results/",
        f"{ADMIN}/results/?format=xlsx",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(entries):
    for url in _urls(entries):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url


def test_admin_users_who_are_neither_reviewers_nor_judges_get_404(entries, people, world):
    # A county administrator and a team leader both open the admin, for other work.
    for user in (world["qingxiu_admin"], world["leader_user"]):
        client = _client(user)
        assert client.get("/admin/").status_code == 200
        for url in _urls(entries):
            assert client.get(url).status_code == 404, (user.username, url)
        assert f"{ADMIN}/" not in client.get("/admin/").content.decode()  # no menu


def test_the_reviewer_sees_every_entry_with_its_author_and_filters_them(entries, people):
    client = _client(people["reviewer"])
    html = client.get(f"{ADMIN}/entries/").content.decode()
    assert "待审作品" in html and "已通过作品" in html
    assert "覃作者" in html
    menu = client.get("/admin/").content.decode()  # the sidebar's JSON
    assert f'"{ADMIN}/entries/"' in menu and f'"{ADMIN}/results/"' in menu
    assert f'"{ADMIN}/judging/"' not in menu

    pending_only = client.get(f"{ADMIN}/entries/?status=pending").content.decode()
    assert "待审作品" in pending_only and "已通过作品" not in pending_only
    searched = client.get(f"{ADMIN}/entries/?q=韦作者").content.decode()
    assert "已通过作品" in searched and "待审作品" not in searched


def test_the_reviewer_approves_an_entry_and_it_becomes_public(entries, people, contest):
    entry = entries["pending"]
    client = _client(people["reviewer"])
    screen = client.get(f"{ADMIN}/entries/{entry.pk}/").content.decode()
    assert f'src="{ADMIN}/entries/{entry.pk}/video/"' in screen  # the preview
    assert "13807710001" in screen
    assert client.get(f"{ADMIN}/entries/{entry.pk}/video/").status_code == 200

    response = client.post(f"{ADMIN}/entries/{entry.pk}/", {"decision": "approve", "note": ""})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED
    assert entry.reviewed_by == people["reviewer"]
    assert "待审作品" in Client().get("/contest/shorts/").content.decode()


def test_a_rejection_needs_a_note(entries, people):
    entry = entries["pending"]
    client = _client(people["reviewer"])

    response = client.post(f"{ADMIN}/entries/{entry.pk}/", {"decision": "reject", "note": ""})

    assert response.status_code == 200
    assert "不通过时请填写审核意见" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING

    client.post(f"{ADMIN}/entries/{entry.pk}/", {"decision": "reject", "note": "画面模糊"})
    entry.refresh_from_db()
    assert (entry.status, entry.review_note) == (EntryStatus.REJECTED, "画面模糊")


def test_judges_see_approved_entries_without_authors_and_may_not_review(entries, people):
    client = _client(people["judge"])
    assert f'"{ADMIN}/judging/"' in client.get("/admin/").content.decode()
    html = client.get(f"{ADMIN}/entries/").content.decode()
    assert "已通过作品" in html
    assert "待审作品" not in html
    assert "韦作者" not in html
    assert client.get(f"{ADMIN}/entries/?status=pending").content.decode().count("待审作品") == 0
    assert client.get(f"{ADMIN}/entries/{entries['pending'].pk}/").status_code == 404
    assert (
        client.post(
            f"{ADMIN}/entries/{entries['pending'].pk}/", {"decision": "approve"}
        ).status_code
        == 404
    )
    entries["pending"].refresh_from_db()
    assert entries["pending"].status == EntryStatus.PENDING


def test_a_judge_scores_an_entry_and_sees_their_own_scores(entries, people, contest):
    entry = entries["approved"]
    criteria = list(contest.criteria.all())
    client = _client(people["judge"])
    assert "未评分" in client.get(f"{ADMIN}/judging/").content.decode()

    bad = client.post(
        f"{ADMIN}/judging/{entry.pk}/",
        {f"criterion_{c.pk}": v for c, v in zip(criteria, [35, 20, 10, 10], strict=True)},
    )
    assert bad.status_code == 200
    assert not JudgeScore.objects.exists()

    response = client.post(
        f"{ADMIN}/judging/{entry.pk}/",
        {f"criterion_{c.pk}": v for c, v in zip(criteria, [25, 26.5, 15, 18], strict=True)},
    )
    assert response.status_code == 302
    assert JudgeScore.objects.filter(judge=people["judge"], entry=entry).count() == 4
    screen = client.get(f"{ADMIN}/judging/{entry.pk}/").content.decode()
    assert "84.5 / 100" in screen
    assert "已评分" in client.get(f"{ADMIN}/judging/").content.decode()
    # Reviewers do not score; a pending entry has no scoring screen.
    assert _client(people["reviewer"]).get(f"{ADMIN}/judging/{entry.pk}/").status_code == 404
    assert client.get(f"{ADMIN}/judging/{entries['pending'].pk}/").status_code == 404


def test_the_results_screen_and_its_export(entries, people, contest):
    entry = entries["approved"]
    scores = {
        c.pk: Decimal(v) for c, v in zip(contest.criteria.all(), [25, 25, 15, 15], strict=True)
    }
    judge_scores_save(entry=entry, judge=people["judge"], scores=scores)

    reviewer = _client(people["reviewer"])
    html = reviewer.get(f"{ADMIN}/results/").content.decode()
    assert "已通过作品" in html and "80.00" in html
    export = reviewer.get(f"{ADMIN}/results/?contest={contest.pk}&format=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "作品名称", "展现的队伍", "作者", "联系电话")
    assert rows[1][0] == 1 and rows[1][1] == "已通过作品" and rows[1][3] == "韦作者"
    assert 80.0 in rows[1]

    # Judges read the ranking but the export (with contacts) is the reviewers'.
    judge = _client(people["judge"])
    assert "已通过作品" in judge.get(f"{ADMIN}/results/").content.decode()
    assert judge.get(f"{ADMIN}/results/?format=xlsx").status_code == 404
