"""Compliance through the API: a team's evaluation, an area's roll-up, the top ten.

A team's evaluation is for those who manage the team (its leaders, the administrators
over it); an area's roll-up for those who see the area; anything else is not found (404).
The ranking is published: anyone signed in may read the region's, and an area's when the
area is theirs.
"""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja import Query, Router

from lms.models.compliance import ComplianceSnapshot
from lms.selectors.compliance import area_rollup
from lms.selectors.ranking import EXCLUSIONS, FORMULA, top_teams

from .common import get_within, request_scope
from .errors import NotFound
from .schemas import Error
from .schemas_compliance import (
    AreaComplianceOut,
    RankingOut,
    RankingQuery,
    TeamComplianceOut,
    YearQuery,
)

router = Router(tags=["达标"])


def _year(query: YearQuery) -> int:
    return query.year or timezone.localdate().year


@router.get(
    "/teams/{team_id}/compliance",
    response={200: TeamComplianceOut, 404: Error},
    summary="队伍达标评估",
    description="队伍某年度的评估结果：是否达标、各项条件的实际值与达标值、排名数据。"
    "队长和辖区管理员可查看；范围之外的队伍按不存在处理（404）。",
)
def team_compliance(request: HttpRequest, team_id: int, query: Query[YearQuery]):
    team = get_within(
        request_scope(request).managed_teams().select_related("community"),
        team_id,
        _("未找到该队伍。"),
    )
    year = _year(query)
    snapshot = (
        ComplianceSnapshot.objects.filter(team=team, year=year).select_related("standard").first()
    )
    if snapshot is None:
        raise NotFound(
            _("该队伍 %(year)s 年度尚未评估（系统每晚自动评估全部队伍），请稍后再查。")
            % {"year": year}
        )
    snapshot.team = team
    return snapshot


@router.get(
    "/areas/{area_id}/compliance",
    response={200: AreaComplianceOut, 404: Error},
    summary="区域达标汇总",
    description="区域（含全部下级）某年度的达标队伍数、达标比例、年度目标和差距、"
    "未达标最多的条件，以及各直接下级区域的同样数据。",
)
def area_compliance(request: HttpRequest, area_id: int, query: Query[YearQuery]):
    area = get_within(request_scope(request).areas(), area_id, _("未找到该区域。"))
    return area_rollup(area, _year(query))


@router.get(
    "/ranking",
    response={200: RankingOut, 404: Error},
    summary="十佳社区响应队",
    description="按公开的计分公式排出的前十名（仅限已达标且数据已核实的队伍），"
    "默认全区；给出 area 时只排该区域内的队伍（须为本人可查看的区域）。",
)
def ranking(request: HttpRequest, query: Query[RankingQuery]):
    area = None
    if query.area is not None:
        area = get_within(request_scope(request).areas(), query.area, _("未找到该区域。"))
    year = _year(query)
    return {
        "year": year,
        "area": area,
        "formula": str(FORMULA),
        "exclusions": [str(line) for line in EXCLUSIONS],
        "teams": top_teams(year, area),
    }
