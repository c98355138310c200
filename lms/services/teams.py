"""Writes of response teams."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lms.errors import DomainError
from lms.models import Area, AreaLevel, Member, Team, TeamStatus

EDITABLE_FIELDS = (
    "name",
    "founded_on",
    "leader",
    "deputy",
    "phone",
    "status",
    "registration_number",
    "registered_on",
)


def _check(team: Team) -> None:
    team.name = (team.name or "").strip()
    if not team.name:
        raise DomainError(_("队伍名称不能为空。"), field="name")
    if team.community.depth != AreaLevel.COMMUNITY:
        raise DomainError(_("响应队只能建在社区（村）一级。"), field="community")
    clash = Team.objects.filter(community=team.community).exclude(pk=team.pk).first()
    if clash:
        raise DomainError(
            _("「%(area)s」已有响应队「%(team)s」：每个社区只建一支队伍。")
            % {"area": team.community.name, "team": clash.name},
            field="community",
        )
    for role in ("leader", "deputy"):
        person = getattr(team, role)
        if person is not None and person.team_id != team.pk:
            raise DomainError(_("队长和副队长必须是本队队员。"), field=role)
    if team.leader_id and team.leader_id == team.deputy_id:
        raise DomainError(_("队长和副队长不能是同一人。"), field="deputy")
    try:
        team.full_clean(exclude=["community", "leader", "deputy"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


@transaction.atomic
def team_create(
    *,
    community: Area,
    name: str,
    founded_on: datetime.date | None = None,
    phone: str = "",
    status: str = TeamStatus.PREPARING,
    registration_number: str = "",
    registered_on: datetime.date | None = None,
) -> Team:
    team = Team(
        community=community,
        name=name,
        founded_on=founded_on,
        phone=phone,
        status=status,
        registration_number=registration_number,
        registered_on=registered_on,
    )
    _check(team)
    team.save()
    return team


@transaction.atomic
def team_update(*, team: Team, **changes) -> Team:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(team, name, value)
    _check(team)
    team.save()
    return team


@transaction.atomic
def team_set_leaders(*, team: Team, leader: Member | None, deputy: Member | None = None) -> Team:
    return team_update(team=team, leader=leader, deputy=deputy)
