"""Announcing the top ten (十佳社区响应队): the live ranking frozen into a public selection.

The ranking (lms.selectors.ranking) moves whenever a team's records change; what the
public reads is the list as it stood when it was announced, with the formula as it was
worded then. Withdrawing an announcement deletes it, so that it can be announced again.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wagtail.log_actions import log

from cms.cache import purge_paths
from lms.models import Area, AreaLevel
from lms.scope import scope_for
from lms.selectors.ranking import FORMULA, RankedTeam, top_teams
from publicity.errors import DomainError
from publicity.models import TopTenEntry, TopTenSelection
from publicity.selectors.topten import top_ten_paths

LEVELS = (AreaLevel.REGION, AreaLevel.CITY)


def _check_may_administer(user, area: Area) -> None:
    if area.depth not in LEVELS:
        raise DomainError(_("十佳评选只能按全区或市公布，请选择自治区或一个市。"), field="area")
    if user is None or not scope_for(user).administers(area):
        if area.depth == AreaLevel.REGION:
            message = _("只有自治区管理员才能公布或撤回全区十佳。")
        else:
            message = _("您不是%(area)s或其上级的管理员，不能公布或撤回它的十佳。") % {
                "area": area.name
            }
        raise DomainError(message, field="area")


def frozen_formula() -> str:
    """The published formula as announced: in Chinese (the site's language), whatever the
    language of the administrator's screen."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(FORMULA)


def _figures(row: RankedTeam) -> dict:
    return {
        "members": row.members,
        "coverage": row.coverage,
        "participation": row.participation,
        "hours_per_member": row.hours_per_member,
        "improvement": row.improvement,
    }


def top_ten_announce(*, year: int, area: Area, user, note: str = "") -> TopTenSelection:
    """Freeze the year's ranking of `area` (the region or a city) as its announced top ten."""
    _check_may_administer(user, area)
    this_year = timezone.localdate().year
    if year > this_year:
        raise DomainError(
            _("年度不能晚于今年（%(year)s 年）。") % {"year": this_year}, field="year"
        )
    duplicate = _("%(area)s %(year)s 年度的十佳已经公布；如需重新公布，请先撤回。") % {
        "area": area.name,
        "year": year,
    }
    if TopTenSelection.objects.filter(year=year, area=area).exists():
        raise DomainError(duplicate, field="year")
    rows = top_teams(year, area)
    if not rows:
        raise DomainError(
            _("%(area)s %(year)s 年度没有参加排名的队伍（须达标且数据已核实），无法公布。")
            % {"area": area.name, "year": year},
            field="year",
        )
    try:
        with transaction.atomic():
            selection = TopTenSelection(
                year=year,
                area=area,
                formula=frozen_formula(),
                note=note.strip(),
                announced_by=user,
            )
            selection.full_clean()
            selection.save()
            entries = [
                TopTenEntry(
                    selection=selection,
                    rank=row.rank,
                    team=row.team,
                    team_name=row.team.name,
                    community_name=row.community_name,
                    score=row.score,
                    figures=_figures(row),
                )
                for row in rows
            ]
            for entry in entries:
                # Ranks and teams are distinct by construction; skip the per-row uniqueness
                # queries of a fresh selection.
                entry.full_clean(validate_constraints=False)
            TopTenEntry.objects.bulk_create(entries)
            log(instance=selection, action="wagtail.create", user=user)
            _purge_on_commit(top_ten_paths())
    except IntegrityError as exc:  # announced meanwhile by someone else
        raise DomainError(duplicate, field="year") from exc
    return selection


def top_ten_withdraw(*, selection: TopTenSelection, user, reason: str) -> None:
    """Take an announcement down (it may then be announced again), keeping the reason in
    the admin's history."""
    _check_may_administer(user, selection.area)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤回的原因。"), field="reason")
    with transaction.atomic():
        paths = top_ten_paths()  # before the delete: the withdrawn list's own pages too
        log(instance=selection, action="wagtail.delete", user=user, data={"reason": reason})
        selection.delete()
        _purge_on_commit(paths)


# -- the public pages' cache ------------------------------------------------------------


def _purge_on_commit(paths: list[str]) -> None:
    # After commit: purged earlier, a request served meanwhile would cache the old list again.
    transaction.on_commit(lambda: purge_paths(paths))
