"""Team members the caller may see; the roster writes go through lms.services.members.

ID numbers are personal data: the output masks them unless the scope allows the full number,
and nothing here logs them.
"""

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja import Query, Router, Status

from lms.models import Member
from lms.models.areas import subtree_filter
from lms.scope import Scope
from lms.services.members import member_create, member_update

from .common import area_path, get_within, is_id, paginated, request_scope
from .schemas import Error, MemberCreate, MemberFilters, MemberOut, MemberUpdate, TeamMemberFilters

router = Router(tags=["队员"])


def members_for_output(members: QuerySet[Member]) -> QuerySet[Member]:
    # The team for its name, its community for the ID-number permission (a path check).
    return members.select_related("team__community")


def filter_members(members: QuerySet[Member], filters: TeamMemberFilters) -> QuerySet[Member]:
    if filters.category:
        members = members.filter(category=filters.category)
    if filters.active is True:
        members = members.active()
    elif filters.active is False:
        members = members.filter(left_on__lte=timezone.localdate())
    q = (filters.q or "").strip()
    if q:
        members = members.filter(Q(name__icontains=q) | Q(phone__contains=q))
    return members


def _managed_team(scope: Scope, team_id: int):
    return get_within(scope.managed_teams(), team_id, _("未找到该队伍，或您无权管理其名册。"))


@router.get("/members", response=list[MemberOut], summary="队员列表")
@paginated
def member_list(request: HttpRequest, filters: Query[MemberFilters]):
    members = filter_members(request_scope(request).members(), filters)
    if filters.team is not None:
        members = members.filter(team_id=filters.team) if is_id(filters.team) else members.none()
    if filters.area is not None:
        path = area_path(filters.area)
        if path is None:
            return members.none()
        members = members.filter(**subtree_filter("team__community__", path))
    return members_for_output(members).order_by("name_pinyin", "pk")


@router.get("/members/{member_id}", response={200: MemberOut, 404: Error}, summary="队员详情")
def member_detail(request: HttpRequest, member_id: int):
    members = members_for_output(request_scope(request).members())
    return get_within(members, member_id, _("未找到该队员。"))


@router.post(
    "/members",
    response={201: MemberOut, 400: Error, 404: Error},
    summary="登记队员",
    description="登记到本人可管理的队伍（队长、副队长、区域管理员）。",
)
def member_add(request: HttpRequest, payload: MemberCreate):
    data = payload.model_dump()
    scope = request_scope(request)
    team = _managed_team(scope, data.pop("team"))
    member = member_create(team=team, **data)
    return Status(201, members_for_output(Member.objects).get(pk=member.pk))


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, 400: Error, 404: Error},
    summary="修改队员信息",
    description="只修改请求中给出的字段；`left_on` 设为日期即登记离队。",
)
def member_change(request: HttpRequest, member_id: int, payload: MemberUpdate):
    scope = request_scope(request)
    managed = scope.members().filter(team__in=scope.managed_teams())
    member = get_within(
        members_for_output(managed), member_id, _("未找到该队员，或您无权修改其信息。")
    )
    changes = payload.model_dump(exclude_unset=True)
    if "team" in changes:
        changes["team"] = _managed_team(scope, changes["team"])
    if changes:
        member = member_update(member=member, **changes)
    return members_for_output(Member.objects).get(pk=member.pk)
