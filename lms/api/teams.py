"""Response teams the caller may see, and their rosters."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Query, Router

from lms.models import Member, Team
from lms.models.areas import subtree_filter

from .common import area_path, get_within, paginated, request_scope
from .members import filter_members, members_for_output
from .schemas import Error, MemberOut, TeamFilters, TeamMemberFilters, TeamOut

router = Router(tags=["队伍"])


def _for_output(teams: QuerySet[Team]) -> QuerySet[Team]:
    # A subquery, not a join: the scope's own joins (a member's team) must not skew the count.
    active = (
        Member.objects.active()
        .filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return teams.select_related("community", "leader", "deputy").annotate(
        member_count=Coalesce(Subquery(active, output_field=IntegerField()), 0)
    )


@router.get("/teams", response=list[TeamOut], summary="队伍列表")
@paginated
def team_list(request: HttpRequest, filters: Query[TeamFilters]):
    teams = request_scope(request).teams()
    if filters.area is not None:
        path = area_path(filters.area)
        if path is None:
            return teams.none()
        teams = teams.filter(**subtree_filter("community__", path))
    if filters.status:
        teams = teams.filter(status=filters.status)
    if filters.q and filters.q.strip():
        teams = teams.filter(name__icontains=filters.q.strip())
    return _for_output(teams).order_by("community__code")


@router.get("/teams/{team_id}", response={200: TeamOut, 404: Error}, summary="队伍详情")
def team_detail(request: HttpRequest, team_id: int):
    return get_within(_for_output(request_scope(request).teams()), team_id, _("未找到该队伍。"))


@router.get(
    "/teams/{team_id}/members",
    response={200: list[MemberOut], 404: Error},
    summary="队伍的队员",
)
@paginated
def team_members(request: HttpRequest, team_id: int, filters: Query[TeamMemberFilters]):
    scope = request_scope(request)
    team = get_within(scope.teams(), team_id, _("未找到该队伍。"))
    return members_for_output(filter_members(scope.members().filter(team=team), filters))
