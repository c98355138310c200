"""The judges' scores and the results: each criterion 0..weight, all at once, ranked by total."""

from decimal import Decimal

from django.test import Client

import pytest

from publicity import selectors
from publicity.errors import DomainError
from publicity.models import ContestVote, EntryStatus, JudgeScore
from publicity.roles import JUDGES
from publicity.selectors.contest import results_ranking
from publicity.services.contest import judge_scores_save

from .conftest import make_entry


def _scores(contest, *values):
    return {c.pk: Decimal(str(v)) for c, v in zip(contest.criteria.all(), values, strict=True)}


def test_a_judge_scores_every_criterion_and_may_change_the_scores(contest, people):
    entry = make_entry(contest)
    judge_scores_save(entry=entry, judge=people["judge"], scores=_scores(contest, 25, 28, 15, 18))
    judge_scores_save(entry=entry, judge=people["judge"], scores=_scores(contest, 26, 28, 15, 18))

    scores = JudgeScore.objects.filter(entry=entry, judge=people["judge"])
    assert scores.count() == 4
    assert sorted(scores.values_list("score", flat=True)) == [15, 18, 26, 28]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((31, 20, 10, 10), "「主题立意」的分数应在 0 到 30 分之间"),
        ((-1, 20, 10, 10), "「主题立意」的分数应在 0 到 30 分之间"),
        ((20, 20, 10.25, 10), "「创意表现」的分数最多保留一位小数"),
    ],
)
def test_a_score_outside_its_criterion_is_refused(contest, people, values, message):
    entry = make_entry(contest)
    with pytest.raises(DomainError, match=message):
        judge_scores_save(entry=entry, judge=people["judge"], scores=_scores(contest, *values))
    assert not JudgeScore.objects.exists()


def test_all_criteria_are_scored_at_once(contest, people):
    entry = make_entry(contest)
    partial = dict(list(_scores(contest, 20, 20, 10, 10).items())[:3])
    with pytest.raises(DomainError, match="尚缺：制作水平"):
        judge_scores_save(entry=entry, judge=people["judge"], scores=partial)
    with pytest.raises(DomainError, match="不属于本次大赛"):
        judge_scores_save(
            entry=entry,
            judge=people["judge"],
            scores={**_scores(contest, 20, 20, 10, 10), 999_999: Decimal(1)},
        )
    assert not JudgeScore.objects.exists()


def test_only_judges_score_approved_entries_before_the_results(contest, people):
    pending = make_entry(contest, status=EntryStatus.PENDING)
    approved = make_entry(contest, title="已通过")
    scores = _scores(contest, 20, 20, 10, 10)
    with pytest.raises(DomainError, match="只有短视频评委"):
        judge_scores_save(entry=approved, judge=people["reviewer"], scores=scores)
    with pytest.raises(DomainError, match="已通过审核"):
        judge_scores_save(entry=pending, judge=people["judge"], scores=scores)
    contest.results_published = True
    contest.save_revision().publish()
    approved.refresh_from_db()
    with pytest.raises(DomainError, match="评分已锁定"):
        judge_scores_save(entry=approved, judge=people["judge"], scores=scores)
    assert not JudgeScore.objects.exists()


def test_results_sum_the_judges_means_and_break_ties_by_votes(contest, people):
    first = make_entry(contest, title="甲")
    second = make_entry(contest, title="乙")
    third = make_entry(contest, title="丙")
    make_entry(contest, title="丁")  # not scored yet
    make_entry(contest, title="未通过", status=EntryStatus.REJECTED)
    judge, judge2 = people["judge"], people["judge2"]
    # 甲: means 25, 27.5, 15, 17.5 → 85.00
    judge_scores_save(entry=first, judge=judge, scores=_scores(contest, 25, 28, 16, 18))
    judge_scores_save(entry=first, judge=judge2, scores=_scores(contest, 25, 27, 14, 17))
    # 乙 and 丙 tie at 80; 丙 has more votes.
    judge_scores_save(entry=second, judge=judge, scores=_scores(contest, 20, 20, 20, 20))
    judge_scores_save(entry=third, judge=judge, scores=_scores(contest, 30, 30, 10, 10))
    ContestVote.objects.create(entry=third, user=people["voter"])

    rows = results_ranking(contest)

    assert [row.entry.title for row in rows] == ["甲", "丙", "乙", "丁"]
    assert [row.rank for row in rows] == [1, 2, 3, 4]
    assert rows[0].means == [Decimal("25.00"), Decimal("27.50"), Decimal("15.00"), Decimal("17.50")]
    assert rows[0].total == Decimal("85.00")
    assert rows[0].judges == 2
    assert rows[1].votes == 1
    assert not rows[3].scored

    contest.results_published = True
    contest.save_revision().publish()
    html = Client().get("/contest/shorts/results/").content.decode()
    assert html.index("甲") < html.index("丙") < html.index("乙")
    assert "85.00" in html and "27.50" in html
    assert "未通过" not in html


def test_the_judges_group_name_is_the_same_everywhere():
    assert selectors.contest.JUDGES == JUDGES
