"""Drills (演练): planning, check-in by rotating QR code, the paper-sheet fallback,
corrections with history, closing with an evaluation (which records verified service
hours), cancelling, and photos.

Who may change a drill: anyone in whose `scope.managed_drills()` it is (a leader of one of
its teams, an administrator over one of them). Every write records who made it in the
history (simple_history's `_history_user`), so the roll can be audited.
"""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.uploads import check_image
from lms.checkin import checkin_read, checkin_verify
from lms.errors import DomainError
from lms.models import (
    AttendanceMethod,
    Drill,
    DrillParticipation,
    DrillPhoto,
    DrillRole,
    DrillScenario,
    EventStatus,
    Member,
    ServiceActivity,
    ServiceRecord,
    Team,
)
from lms.scope import scope_for
from lms.services.hours import service_record_from_event
from lms.services.plans import plan_items_match_event
from lms.uploads import validate_photo

# A member may check in from an hour before the start (assembly) to two hours after the
# planned end (drills overrun; the debrief comes after).
CHECKIN_OPENS_BEFORE = datetime.timedelta(hours=1)
CHECKIN_CLOSES_AFTER = datetime.timedelta(hours=2)
MAX_MINUTES = 24 * 60
# Formats accepted, and the extension a stored photo gets (its name is never the upload's).
PHOTO_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}

EDITABLE_FIELDS = (
    "title",
    "scenario",
    "teams",
    "starts_at",
    "ends_at",
    "place",
    "organiser",
    "objectives",
)


# -- checks shared by the services ----------------------------------------------------------


def _check_manages(by, drill: Drill) -> None:
    if not scope_for(by).managed_drills().filter(pk=drill.pk).exists():
        raise DomainError(_("您无权管理这场演练。"), field="drill")


def _check_teams(by, teams, *, previous: set[int] | None = None) -> list[Team]:
    """The teams, each one `by` manages (only those added or removed, on a change)."""
    teams = list(teams)
    if not teams:
        raise DomainError(_("请至少选择一支参演队伍。"), field="teams")
    ids = {team.pk for team in teams}
    touched = ids ^ previous if previous is not None else ids
    managed = set(scope_for(by).managed_teams().filter(pk__in=touched).values_list("pk", flat=True))
    if touched - managed:
        raise DomainError(
            _("您只能为自己负责的队伍安排演练；请去掉不归您管理的队伍。"), field="teams"
        )
    return teams


def check_times(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if starts_at is None or ends_at is None:
        raise DomainError(_("请填写开始时间和结束时间。"), field="starts_at")
    if ends_at <= starts_at:
        raise DomainError(_("结束时间应晚于开始时间。"), field="ends_at")
    if ends_at - starts_at > datetime.timedelta(days=3):
        raise DomainError(_("一场演练不应超过 3 天；请分成几场登记。"), field="ends_at")


def full_clean(obj, exclude=()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


def _check_drill(drill: Drill) -> None:
    drill.title = (drill.title or "").strip()
    drill.place = (drill.place or "").strip()
    drill.organiser = (drill.organiser or "").strip()
    if not drill.title:
        raise DomainError(_("请填写演练名称。"), field="title")
    if drill.scenario not in DrillScenario.values:
        raise DomainError(_("请选择演练科目。"), field="scenario")
    if not drill.place:
        raise DomainError(_("请填写演练地点。"), field="place")
    if not drill.organiser:
        raise DomainError(_("请填写组织单位。"), field="organiser")
    check_times(drill.starts_at, drill.ends_at)
    full_clean(drill)


def save_as(obj, *, by, reason: str = "") -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    obj.save()


def delete_as(obj, *, by, reason: str = "") -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    obj.delete()


def _lock(drill: Drill) -> Drill:
    return Drill.objects.select_for_update().get(pk=drill.pk)


def _team_ids(drill: Drill) -> set[int]:
    return set(drill.teams.values_list("pk", flat=True))


def eligible_members(drill: Drill):
    """The active members of the drill's teams: who may be on its roll."""
    return Member.objects.active().filter(team__in=drill.teams.all()).select_related("team")


def _check_on_roll(drill: Drill, member: Member) -> None:
    if member.team_id not in _team_ids(drill):
        raise DomainError(
            _("%(name)s 不是参演队伍的队员，不能登记到这场演练。") % {"name": member.name},
            field="member",
        )
    if not member.is_active:
        raise DomainError(
            _("%(name)s 已离队，不能登记到这场演练。") % {"name": member.name}, field="member"
        )


# -- service hours ------------------------------------------------------------------------


def _hours(minutes: int) -> Decimal:
    return Decimal(minutes) / Decimal(60)


def _record_hours(participation: DrillParticipation, *, by) -> ServiceRecord | None:
    """The participant's verified hours for a held drill (once; the hours service rounds
    to half hours and keeps the day within 24 h)."""
    drill = participation.drill
    return service_record_from_event(
        member=participation.member,
        activity=ServiceActivity.DRILL,
        date=timezone.localdate(drill.starts_at),
        hours=_hours(participation.minutes),
        description=_("演练：%(title)s") % {"title": drill.title},
        verified_by=by,
        drill=drill,
    )


def _drop_hours(drill: Drill, member: Member, *, by, reason: str) -> None:
    for record in ServiceRecord.objects.filter(drill=drill, member=member):
        delete_as(record, by=by, reason=reason)


def _resync_hours(participation: DrillParticipation, *, by, reason: str) -> None:
    """After a correction to a held drill's roll, its hours follow (history keeps the old)."""
    if participation.drill.status != EventStatus.HELD:
        return
    _drop_hours(participation.drill, participation.member, by=by, reason=reason)
    _record_hours(participation, by=by)


# -- planning -----------------------------------------------------------------------------


@transaction.atomic
def drill_create(
    *,
    by,
    title: str,
    scenario: str,
    teams,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    organiser: str,
    objectives: str = "",
) -> Drill:
    """Plan a drill of one or more teams, each one the user leads or administers."""
    teams = _check_teams(by, teams)
    drill = Drill(
        title=title,
        scenario=scenario,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        organiser=organiser,
        objectives=(objectives or "").strip(),
        status=EventStatus.PLANNED,
        created_by=by,
    )
    _check_drill(drill)
    save_as(drill, by=by)
    drill.teams.set(teams)
    return drill


@transaction.atomic
def drill_update(*, by, drill: Drill, **changes) -> Drill:
    """Change a planned drill: any of its title, scenario, teams, times, place, organiser,
    objectives. Teams added or removed must be ones the user manages."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    drill = _lock(drill)
    _check_manages(by, drill)
    if drill.status != EventStatus.PLANNED:
        raise DomainError(_("只有计划中的演练可以修改。"), field="status")
    teams = changes.pop("teams", None)
    if teams is not None:
        teams = _check_teams(by, teams, previous=_team_ids(drill))
    for name, value in changes.items():
        setattr(drill, name, value)
    _check_drill(drill)
    save_as(drill, by=by)
    if teams is not None:
        drill.teams.set(teams)
    return drill


@transaction.atomic
def drill_cancel(*, by, drill: Drill, reason: str) -> Drill:
    drill = _lock(drill)
    _check_manages(by, drill)
    if drill.status != EventStatus.PLANNED:
        raise DomainError(_("只有计划中的演练可以取消。"), field="status")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写取消原因。"), field="reason")
    drill.status = EventStatus.CANCELLED
    drill.cancel_reason = reason
    full_clean(drill)
    save_as(drill, by=by, reason=_("取消演练"))
    return drill


# -- the roll -----------------------------------------------------------------------------


def _checkin_window(drill: Drill, now: datetime.datetime) -> None:
    if drill.status != EventStatus.PLANNED:
        raise DomainError(
            _("这场演练已结束登记（或已取消），不能再扫码签到；请联系队长补录。"),
            field="drill",
        )
    if now < drill.starts_at - CHECKIN_OPENS_BEFORE:
        raise DomainError(_("签到尚未开始：演练开始前 1 小时起可以签到。"), field="drill")
    if now > drill.ends_at + CHECKIN_CLOSES_AFTER:
        raise DomainError(_("签到已结束：演练结束 2 小时后不能再扫码签到。"), field="drill")


def drill_checkin(
    *,
    member: Member,
    token: str,
    now: datetime.datetime | None = None,
    drill: Drill | None = None,
) -> tuple[DrillParticipation, bool]:
    """Check `member` in with a scanned token. Returns (participation, created).

    A repeated scan (or a retry after a dropped connection) finds the first check-in and
    changes nothing. When `drill` is given (the event the page or API names), a token of
    another drill is refused as such.
    """
    now = now or timezone.now()
    if drill is not None:
        checkin_verify("drill", drill.pk, token, now)
    else:
        drill = Drill.objects.filter(pk=checkin_read("drill", token, now)).first()
        if drill is None:
            raise DomainError(_("未找到这场演练。"), field="token")
    _check_on_roll(drill, member)
    existing = DrillParticipation.objects.filter(drill=drill, member=member).first()
    if existing is not None:
        return existing, False
    _checkin_window(drill, now)
    participation = DrillParticipation(
        drill=drill,
        member=member,
        role=DrillRole.PARTICIPANT,
        method=AttendanceMethod.QR,
        checked_in_at=now,
        recorded_by=member.user,
    )
    try:
        with transaction.atomic():
            save_as(participation, by=member.user)
    except IntegrityError:  # the same scan, sent twice at once
        return DrillParticipation.objects.get(drill=drill, member=member), False
    return participation, True


def _entry_member(entry: dict, members: dict[int, Member]) -> Member | None:
    value = entry.get("member")
    pk = value.pk if isinstance(value, Member) else value
    try:
        return members.get(int(pk))
    except (TypeError, ValueError):
        return None


def _entry_minutes(value) -> int | None:
    if value in (None, ""):
        return None
    minutes = int(value)
    if not 0 <= minutes <= MAX_MINUTES:
        raise ValueError
    return minutes


@transaction.atomic
def drill_attendance_record(*, by, drill: Drill, entries: list[dict]) -> list[DrillParticipation]:
    """Enter the paper sign-in sheet: many members at once, each
    {"member": Member or id, "role": DrillRole (default participant), "minutes": int or None}.

    All or none: if any line is wrong, nothing is written and every wrong line is named.
    A member already on the roll (checked in by QR) gets the role and minutes given.
    Minutes left empty become the drill's length when it is closed.
    """
    drill = _lock(drill)
    _check_manages(by, drill)
    if drill.status == EventStatus.CANCELLED:
        raise DomainError(_("演练已取消，不能登记参演人员。"), field="drill")
    if not entries:
        raise DomainError(_("请至少选择一名参演队员。"), field="entries")
    eligible = {member.pk: member for member in eligible_members(drill)}
    errors, seen, rows = [], set(), []
    for number, entry in enumerate(entries, start=1):
        member = _entry_member(entry, eligible)
        if member is None:
            errors.append(_("第 %(n)s 行：不是参演队伍的在队队员。") % {"n": number})
            continue
        if member.pk in seen:
            errors.append(_("%(name)s：重复登记。") % {"name": member.name})
            continue
        seen.add(member.pk)
        role = entry.get("role") or DrillRole.PARTICIPANT
        if role not in DrillRole.values:
            errors.append(_("%(name)s：角色不正确。") % {"name": member.name})
            continue
        try:
            minutes = _entry_minutes(entry.get("minutes"))
        except (TypeError, ValueError):
            errors.append(
                _("%(name)s：参演时长应为 0 到 1440 之间的整数（分钟）。") % {"name": member.name}
            )
            continue
        rows.append((member, role, minutes))
    if errors:
        raise DomainError(
            _("有 %(n)s 处需要更正，本次没有登记任何人：") % {"n": len(errors)} + errors[0],
            field="entries",
            errors=errors,
        )
    existing = {p.member_id: p for p in drill.participations.select_for_update()}
    now = timezone.now()
    saved = []
    for member, role, minutes in rows:
        participation = existing.get(member.pk)
        if participation is None:
            participation = DrillParticipation(
                drill=drill,
                member=member,
                method=AttendanceMethod.PAPER,
                checked_in_at=now,
                recorded_by=by,
            )
        elif participation.role == role and minutes in (None, participation.minutes):
            saved.append(participation)
            continue
        participation.role = role
        if minutes is not None:
            participation.minutes = minutes
        elif drill.status == EventStatus.HELD and not participation.minutes:
            participation.minutes = drill.minutes
        save_as(participation, by=by, reason=_("纸质签到补录"))
        _resync_hours(participation, by=by, reason=_("纸质签到补录"))
        saved.append(participation)
    return saved


@transaction.atomic
def drill_participation_correct(
    *,
    by,
    participation: DrillParticipation,
    role: str | None = None,
    minutes: int | None = None,
    remove: bool = False,
    reason: str = "",
) -> DrillParticipation | None:
    """Correct one line of the roll (role, minutes) or take it off; the history keeps the
    old values, who changed them and why. A held drill's hours follow the correction."""
    drill = _lock(participation.drill)
    _check_manages(by, drill)
    if drill.status == EventStatus.CANCELLED:
        raise DomainError(_("演练已取消，不能更正参演记录。"), field="drill")
    participation = DrillParticipation.objects.select_for_update().get(pk=participation.pk)
    participation.drill = drill
    reason = (reason or "").strip() or _("更正参演记录")
    if remove:
        _drop_hours(drill, participation.member, by=by, reason=reason)
        delete_as(participation, by=by, reason=reason)
        return None
    if role is not None:
        if role not in DrillRole.values:
            raise DomainError(_("角色不正确。"), field="role")
        participation.role = role
    if minutes is not None:
        try:
            participation.minutes = _entry_minutes(minutes)
        except (TypeError, ValueError) as exc:
            raise DomainError(
                _("参演时长应为 0 到 1440 之间的整数（分钟）。"), field="minutes"
            ) from exc
    if drill.status == EventStatus.HELD and not participation.minutes:
        participation.minutes = drill.minutes
    participation.method = AttendanceMethod.CORRECTION
    participation.recorded_by = by
    save_as(participation, by=by, reason=reason)
    _resync_hours(participation, by=by, reason=reason)
    return participation


# -- after the drill ----------------------------------------------------------------------


@transaction.atomic
def drill_close(
    *,
    by,
    drill: Drill,
    score: int,
    went_well: str,
    problems: str = "",
    improvements: str = "",
    now: datetime.datetime | None = None,
) -> Drill:
    """Record the drill as held with its evaluation; every participant's minutes default to
    the drill's length, and each gets verified service hours (once, however often the
    drill is closed: closing again only updates the evaluation and fills any gaps)."""
    now = now or timezone.now()
    drill = _lock(drill)
    _check_manages(by, drill)
    if drill.status == EventStatus.CANCELLED:
        raise DomainError(_("演练已取消，不能登记为已举行。"), field="status")
    if drill.status == EventStatus.PLANNED and now < drill.starts_at:
        raise DomainError(_("演练尚未开始，不能登记为已举行。"), field="status")
    if not drill.participations.exists():
        raise DomainError(
            _("还没有参演人员：请先让队员扫码签到，或按纸质签到表补录，再结束演练。"),
            field="participations",
        )
    if score is None or not 0 <= int(score) <= 100:
        raise DomainError(_("评估得分应为 0 到 100 之间的整数。"), field="score")
    went_well = (went_well or "").strip()
    if not went_well:
        raise DomainError(_("请填写做得好的方面。"), field="went_well")
    drill.score = int(score)
    drill.went_well = went_well
    drill.problems = (problems or "").strip()
    drill.improvements = (improvements or "").strip()
    first_close = drill.status == EventStatus.PLANNED
    drill.status = EventStatus.HELD
    drill.closed_by = by
    drill.closed_at = now
    full_clean(drill)
    save_as(drill, by=by, reason=_("结束演练并评估") if first_close else _("修改演练评估"))
    participations = drill.participations.select_related("member", "member__user")
    for participation in participations:
        participation.drill = drill
        if not participation.minutes:
            participation.minutes = drill.minutes
            save_as(participation, by=by, reason=_("按演练时长计"))
        _record_hours(participation, by=by)
    if first_close:
        # The plan item this drill fulfils, if a plan of its areas has one near its date.
        plan_items_match_event(drill=drill)
    return drill


def _check_image(image_file) -> str:
    """The extension a photo is stored with, once it passed the upload checks (type by
    content, decodable, size and pixel limits: lms.uploads.validate_photo)."""
    if not getattr(image_file, "size", None):
        raise DomainError(_("请选择一张照片。"), field="image")
    try:
        validate_photo(image_file)
        image_format = check_image(image_file)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="image") from exc
    if image_format not in PHOTO_FORMATS:
        raise DomainError(_("请上传 JPG、PNG 或 WebP 格式的照片。"), field="image")
    return PHOTO_FORMATS[image_format]


@transaction.atomic
def drill_photo_add(*, by, drill: Drill, image_file, caption: str = "") -> DrillPhoto:
    """Keep a photo with the drill's records (private storage; served through the scope)."""
    _check_manages(by, drill)
    if drill.status == EventStatus.CANCELLED:
        raise DomainError(_("演练已取消，不能上传照片。"), field="drill")
    extension = _check_image(image_file)
    photo = DrillPhoto(drill=drill, caption=(caption or "").strip()[:120], uploaded_by=by)
    full_clean(photo, exclude=["image"])
    photo.image.save(f"drill-{drill.pk}-{uuid.uuid4().hex}.{extension}", image_file, save=False)
    photo.save()
    return photo
