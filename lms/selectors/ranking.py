"""The top ten (十佳社区响应队): teams ranked by the compliance score, for the region and
per city, with the figures behind each score.

Only teams that meet the standard and whose data is verified are ranked. The published
formula (`FORMULA`) is built from the constants the score is computed with
(lms.services.compliance), so the two cannot drift apart.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, FloatField, Q, QuerySet, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, RowNumber, Substr
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lms.models import Area, AreaLevel, Team
from lms.models.areas import subtree_filter
from lms.models.compliance import ComplianceSnapshot
from lms.services.compliance import IMPROVEMENT_FULL, IMPROVEMENT_WEIGHT, WEIGHTS

TOP = 10


def _percent(weight: float) -> str:
    return f"{round(weight * 100)}%"


FORMULA = format_lazy(
    _(
        "综合得分 = 100 ×（{base_weight} × 基础分 + {improvement_weight} × 进步分）。"
        "基础分 = {coverage} × 持证覆盖率 + {participation} × 演练参与率"
        " + {hours} × 服务时长达成度；"
        "服务时长达成度 = min(1, 人均已核实服务时长 ÷ 建设标准要求的人均服务时长)；"
        "进步分 = min(1, max(0, (本年基础分 − 上年基础分) ÷ {full}))，上年没有评估记录的为 0。"
        "持证覆盖率是各门达标课程持证比例的平均值；各项比例和人均时长都按在队人数计算，"
        "大队、小队同等比较。得分相同的，依次比较持证覆盖率、演练参与率、人均服务时长。"
    ),
    base_weight=_percent(1 - IMPROVEMENT_WEIGHT),
    improvement_weight=_percent(IMPROVEMENT_WEIGHT),
    coverage=_percent(WEIGHTS["coverage"]),
    participation=_percent(WEIGHTS["participation"]),
    hours=_percent(WEIGHTS["hours"]),
    full=f"{IMPROVEMENT_FULL:g}",
)

EXCLUSIONS = [
    _("未达到建设标准的队伍（十佳须首先达标）；"),
    _("有服务时长登记尚待核实的队伍（数据未核实，核实后重新评估即可参加排名）；"),
    _("本年度尚未评估的队伍。"),
]

# Score, then the figures behind it, then the name: a stable, explainable order.
ORDER = [
    F("score").desc(),
    Cast(KT("figures__coverage"), FloatField()).desc(nulls_last=True),
    Cast(KT("figures__participation"), FloatField()).desc(nulls_last=True),
    Cast(KT("figures__hours_per_member"), FloatField()).desc(nulls_last=True),
    F("team__name").asc(),
    F("team_id").asc(),
]


class RankingFigures:
    """The figures behind a ranking score, as pages show them, read from `ranking_figures`
    (a snapshot's figures, or a top-ten entry's as they were when it was announced)."""

    ranking_figures: dict

    def _figure(self, name: str) -> float:
        return float((self.ranking_figures or {}).get(name) or 0)

    @property
    def members(self) -> int:
        return int(self._figure("members"))

    @property
    def coverage(self) -> float:
        """Share (0–1) of active members certified, averaged over the required courses."""
        return self._figure("coverage")

    @property
    def participation(self) -> float:
        return self._figure("participation")

    @property
    def hours_per_member(self) -> float:
        return round(self._figure("hours_per_member"), 2)

    @property
    def improvement(self) -> float:
        return self._figure("improvement")

    @property
    def coverage_percent(self) -> float:
        return round(self.coverage * 100, 1)

    @property
    def participation_percent(self) -> float:
        return round(self.participation * 100, 1)


@dataclass(frozen=True)
class RankedTeam(RankingFigures):
    rank: int
    snapshot: ComplianceSnapshot
    community_name: str

    @property
    def team(self) -> Team:
        return self.snapshot.team

    @property
    def score(self) -> Decimal:
        return self.snapshot.score

    @property
    def ranking_figures(self) -> dict:
        return self.snapshot.figures


@dataclass(frozen=True)
class CityRanking:
    city: Area
    rows: list[RankedTeam]


@dataclass(frozen=True)
class Exclusions:
    evaluated: int
    failing: int
    unverified: int

    @property
    def ranked(self) -> int:
        return self.evaluated - self.failing - self.unverified


def _candidates(year: int, area: Area | None, include_failing: bool) -> QuerySet:
    snapshots = ComplianceSnapshot.objects.filter(year=year, unverified=False)
    if not include_failing:
        snapshots = snapshots.filter(passed=True)
    if area is not None and area.depth > AreaLevel.REGION:
        snapshots = snapshots.filter(**subtree_filter("team__community__", area.path))
    return snapshots.select_related("team", "team__community")


def _full_names(communities: list[Area]) -> dict[str, str]:
    """Community path → its name from the city down, with one query for all ancestors."""
    steplen = Area.steplen
    prefixes = {
        c.path[:end] for c in communities for end in range(2 * steplen, len(c.path), steplen)
    }
    names = dict(Area.objects.filter(path__in=prefixes).values_list("path", "name"))
    return {
        c.path: "".join(
            [
                *(names.get(c.path[:end], "") for end in range(2 * steplen, len(c.path), steplen)),
                c.name,
            ]
        )
        for c in communities
    }


def _rows(snapshots: list[ComplianceSnapshot], ranks: list[int]) -> list[RankedTeam]:
    names = _full_names([s.team.community for s in snapshots])
    return [
        RankedTeam(rank=rank, snapshot=s, community_name=names[s.team.community.path])
        for rank, s in zip(ranks, snapshots, strict=True)
    ]


def top_teams(
    year: int, area: Area | None = None, limit: int = TOP, *, include_failing: bool = False
) -> list[RankedTeam]:
    """The best `limit` teams of the region (area None or the region) or of an area."""
    snapshots = list(_candidates(year, area, include_failing).order_by(*ORDER)[:limit])
    return _rows(snapshots, list(range(1, len(snapshots) + 1)))


def ranking_by_city(
    year: int, limit: int = TOP, *, include_failing: bool = False
) -> list[CityRanking]:
    """Every city's top `limit`, in code order (a city without ranked teams has no rows).

    One query: the candidates numbered within their city by a window function, keeping
    the first `limit` of each.
    """
    city_path = Substr("team__community__path", 1, AreaLevel.CITY * Area.steplen)
    snapshots = list(
        _candidates(year, None, include_failing)
        .annotate(
            city_path=city_path,
            position=Window(RowNumber(), partition_by=[city_path], order_by=ORDER),
        )
        .filter(position__lte=limit)
        .order_by("city_path", "position")
    )
    rows = _rows(snapshots, [s.position for s in snapshots])
    by_city: dict[str, list[RankedTeam]] = {}
    for row in rows:
        by_city.setdefault(row.snapshot.city_path, []).append(row)
    cities = Area.objects.filter(depth=AreaLevel.CITY).order_by("path")
    return [CityRanking(city=city, rows=by_city.get(city.path, [])) for city in cities]


def ranking_exclusions(year: int, area: Area | None = None) -> Exclusions:
    """How many of the year's evaluated teams the ranking leaves out, and why."""
    snapshots = ComplianceSnapshot.objects.filter(year=year)
    if area is not None and area.depth > AreaLevel.REGION:
        snapshots = snapshots.filter(**subtree_filter("team__community__", area.path))
    counts = snapshots.aggregate(
        evaluated=Count("pk"),
        failing=Count("pk", filter=Q(passed=False)),
        unverified=Count("pk", filter=Q(passed=True, unverified=True)),
    )
    return Exclusions(**counts)


def ranking_years() -> list[int]:
    """Years that have evaluations, newest first."""
    return list(
        ComplianceSnapshot.objects.order_by("-year").values_list("year", flat=True).distinct()
    )
