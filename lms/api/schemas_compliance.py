"""What the compliance endpoints give: a team's evaluation, an area's roll-up, the ranking."""

import datetime

from ninja import Field, Schema

from lms.models.compliance import ComplianceSnapshot, CriterionKind, FreezeReason
from lms.selectors.compliance import Rollup, child_rollups
from lms.selectors.ranking import RankedTeam

from .schemas import AreaRef, Choice, TeamRef, choice


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")


class RankingQuery(YearQuery):
    area: int | None = Field(None, description="区域 id（如某市）：只排该区域内的队伍；默认全区")


# -- a team's evaluation ------------------------------------------------------------------


class CriterionResultOut(Schema):
    kind: Choice = Field(description="条件类别")
    label: str = Field(description="条件，如“在队人数 ≥ 20”")
    value: float = Field(description="队伍的实际值（比例为 0–1）")
    threshold: float = Field(description="达标值（比例为 0–1）")
    threshold_display: str = Field(description="达标值的文字，如“60%”")
    passed: bool
    detail: dict = Field(description="计算依据，如各课程持证比例、缺少的制度文件")


class FiguresOut(Schema):
    members: int = Field(description="在队人数")
    coverage: float = Field(description="持证覆盖率（0–1，各门达标课程的平均值）")
    participation: float = Field(description="演练参与率（0–1）")
    hours_per_member: float = Field(description="人均已核实服务时长（小时）")
    base: float = Field(description="基础分（0–1）")
    improvement: float = Field(description="进步分（0–1）")


class TeamComplianceOut(Schema):
    team: TeamRef
    community: AreaRef
    year: int
    standard: str = Field(description="评估所依据的建设标准")
    evaluated_at: datetime.datetime
    passed: bool = Field(description="是否达到建设标准")
    score: float = Field(description="综合得分（0–100，十佳排名用）")
    unverified: bool = Field(description="有服务时长待核实：不参加十佳排名")
    stale: bool = Field(description="数据已变化，正在重新评估")
    frozen: bool = Field(description="已冻结（年终或督导检查签字确认后不再变化）")
    frozen_at: datetime.datetime | None
    frozen_reason: Choice | None
    failed: list[Choice] = Field(description="未达标的条件类别")
    criteria: list[CriterionResultOut]
    figures: FiguresOut

    @staticmethod
    def resolve_community(obj: ComplianceSnapshot):
        return obj.team.community

    @staticmethod
    def resolve_standard(obj: ComplianceSnapshot) -> str:
        return str(obj.standard)

    @staticmethod
    def resolve_score(obj: ComplianceSnapshot) -> float:
        return float(obj.score)

    @staticmethod
    def resolve_frozen(obj: ComplianceSnapshot) -> bool:
        return obj.is_frozen

    @staticmethod
    def resolve_frozen_reason(obj: ComplianceSnapshot) -> dict | None:
        return choice(FreezeReason, obj.frozen_reason) if obj.frozen_reason else None

    @staticmethod
    def resolve_failed(obj: ComplianceSnapshot) -> list[dict]:
        return [choice(CriterionKind, kind) for kind in obj.failed_kinds or []]

    @staticmethod
    def resolve_criteria(obj: ComplianceSnapshot) -> list[dict]:
        return [
            {
                "kind": choice(CriterionKind, r.get("kind")),
                "label": r.get("label", ""),
                "value": r.get("value") or 0,
                "threshold": r.get("threshold") or 0,
                "threshold_display": r.get("threshold_display", ""),
                "passed": bool(r.get("passed")),
                "detail": r.get("detail") or {},
            }
            for r in obj.results or []
        ]

    @staticmethod
    def resolve_figures(obj: ComplianceSnapshot) -> dict:
        figures = obj.figures or {}
        return {name: figures.get(name) or 0 for name in FiguresOut.model_fields}


# -- an area's roll-up ----------------------------------------------------------------------


class FailingOut(Schema):
    kind: Choice
    teams: int = Field(description="未达到该条件的队伍数")


class RollupOut(Schema):
    area: AreaRef
    teams: int = Field(description="队伍总数")
    evaluated: int = Field(description="已评估的队伍数")
    compliant: int = Field(description="达标队伍数")
    share: float = Field(description="达标比例（0–1）")
    target: float | None = Field(description="本年度目标比例（0–1）；未设置时为 null")
    target_teams: int | None = Field(description="达到目标所需的达标队伍数")
    gap: int | None = Field(description="距目标还差的达标队伍数（已达到为 0）")
    failing: list[FailingOut] = Field(description="未达标条件，按队伍数从多到少")

    @staticmethod
    def resolve_share(obj: Rollup) -> float:
        return round(obj.share, 4)

    @staticmethod
    def resolve_target(obj: Rollup) -> float | None:
        return None if obj.target is None else float(obj.target)

    @staticmethod
    def resolve_failing(obj: Rollup) -> list[dict]:
        return [{"kind": choice(CriterionKind, kind), "teams": n} for kind, n in obj.failing]


class AreaComplianceOut(RollupOut):
    year: int
    children: list[RollupOut] = Field(description="各直接下级区域")

    @staticmethod
    def resolve_children(obj: Rollup) -> list[Rollup]:
        return child_rollups(obj.area, obj.year)


# -- the ranking ------------------------------------------------------------------------


class RankedTeamOut(Schema):
    rank: int
    team: TeamRef
    community: str = Field(description="所在社区（从市开始的全称）")
    score: float
    members: int
    coverage: float = Field(description="持证覆盖率（0–1）")
    participation: float = Field(description="演练参与率（0–1）")
    hours_per_member: float = Field(description="人均已核实服务时长（小时）")
    improvement: float = Field(description="进步分（0–1）")

    @staticmethod
    def resolve_community(obj: RankedTeam) -> str:
        return obj.community_name

    @staticmethod
    def resolve_score(obj: RankedTeam) -> float:
        return float(obj.score)


class RankingOut(Schema):
    year: int
    area: AreaRef | None = Field(description="排名范围；null 为全区")
    formula: str = Field(description="公开的计分公式")
    exclusions: list[str] = Field(description="不参加排名的队伍")
    teams: list[RankedTeamOut]
