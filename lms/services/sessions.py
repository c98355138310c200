"""In-person training sessions (线下培训): planning, check-in by rotating QR code, the paper
sign-in sheet, corrections with history, and closing, which adds the instructors' taught
hours (once) and records the attendees' verified service hours.

Who may change a session: anyone in whose `scope.managed_sessions()` it is (administrators
over its organising area, and its instructors).
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from lms.checkin import checkin_read, checkin_verify
from lms.errors import DomainError
from lms.models import (
    Area,
    AttendanceMethod,
    EventStatus,
    Instructor,
    Member,
    ServiceActivity,
    ServiceRecord,
    SessionAttendance,
    Team,
    TrainingSession,
)
from lms.scope import scope_for
from lms.services.drills import (
    CHECKIN_CLOSES_AFTER,
    CHECKIN_OPENS_BEFORE,
    check_times,
    delete_as,
    full_clean,
    save_as,
)
from lms.services.hours import service_record_from_event
from lms.services.plans import plan_items_match_event

EDITABLE_FIELDS = (
    "title",
    "course",
    "teams",
    "instructors",
    "starts_at",
    "ends_at",
    "place",
    "credit_hours",
    "notes",
)
MAX_CREDIT_HOURS = Decimal("24")


def _serves(instructor: Instructor, area: Area) -> bool:
    """The instructor serves `area` or an area above it."""
    return any(
        area.path.startswith(path) for path in instructor.areas.values_list("path", flat=True)
    )


def _check_may_organise(by, area: Area, instructors: list[Instructor]) -> None:
    scope = scope_for(by)
    if scope.administers(area):
        return
    own = next((i for i in instructors if i.pk == scope.instructor_id), None)
    if own is not None and _serves(own, area):
        return
    raise DomainError(
        _("只有该区域的管理员，或在该区域授课的师资本人，可以安排这场培训。"), field="area"
    )


def _check_manages(by, session: TrainingSession) -> None:
    if not scope_for(by).managed_sessions().filter(pk=session.pk).exists():
        raise DomainError(_("您无权管理这场培训。"), field="session")


def _check_teams(area: Area, teams) -> list[Team]:
    teams = list(teams)
    if not teams:
        raise DomainError(_("请至少选择一支参训队伍。"), field="teams")
    inside = set(
        Team.objects.within(area).filter(pk__in=[t.pk for t in teams]).values_list("pk", flat=True)
    )
    if any(team.pk not in inside for team in teams):
        raise DomainError(_("参训队伍应在组织区域之内。"), field="teams")
    return teams


def _check_instructors(by, instructors) -> list[Instructor]:
    instructors = list(instructors)
    if not instructors:
        raise DomainError(_("请至少选择一名授课师资。"), field="instructors")
    if any(not instructor.active for instructor in instructors):
        raise DomainError(_("所选师资中有已解聘的，请重新选择。"), field="instructors")
    visible = set(
        scope_for(by)
        .instructors()
        .filter(pk__in=[i.pk for i in instructors])
        .values_list("pk", flat=True)
    )
    if any(instructor.pk not in visible for instructor in instructors):
        raise DomainError(_("只能选择服务本区域的师资。"), field="instructors")
    return instructors


def _credit_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(_("学时应为数字，如 2 或 1.5。"), field="credit_hours") from exc
    if not Decimal("0") < hours <= MAX_CREDIT_HOURS or hours != hours.quantize(Decimal("0.1")):
        raise DomainError(_("学时应大于 0、不超过 24，最多一位小数。"), field="credit_hours")
    return hours


def _check_session(session: TrainingSession) -> None:
    session.title = (session.title or "").strip()
    session.place = (session.place or "").strip()
    session.notes = (session.notes or "").strip()
    if not session.title:
        raise DomainError(_("请填写培训名称。"), field="title")
    if (
        session.course_id is None
        or not CoursePage.objects.live().filter(pk=session.course_id).exists()
    ):
        raise DomainError(_("请选择一门已发布的课程。"), field="course")
    if not session.place:
        raise DomainError(_("请填写培训地点。"), field="place")
    session.credit_hours = _credit_hours(session.credit_hours)
    check_times(session.starts_at, session.ends_at)
    full_clean(session)


def _lock(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().get(pk=session.pk)


def eligible_members(session: TrainingSession):
    """The active members of the session's teams: who may be on its attendance."""
    return Member.objects.active().filter(team__in=session.teams.all()).select_related("team")


def _check_attendee(session: TrainingSession, member: Member) -> None:
    if not session.teams.filter(pk=member.team_id).exists():
        raise DomainError(
            _("%(name)s 不是参训队伍的队员，不能登记到这场培训。") % {"name": member.name},
            field="member",
        )
    if not member.is_active:
        raise DomainError(
            _("%(name)s 已离队，不能登记到这场培训。") % {"name": member.name}, field="member"
        )


def _record_hours(session: TrainingSession, member: Member, *, by) -> ServiceRecord | None:
    return service_record_from_event(
        member=member,
        activity=ServiceActivity.TRAINING,
        date=timezone.localdate(session.starts_at),
        hours=session.credit_hours,
        description=_("线下培训：%(title)s") % {"title": session.title},
        verified_by=by,
        session=session,
    )


# -- planning -----------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    by,
    title: str,
    course: CoursePage,
    area: Area,
    teams,
    instructors,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    credit_hours: Decimal | str | int = Decimal("2"),
    notes: str = "",
) -> TrainingSession:
    """Plan a session organised by `area` (its administrators, or an instructor serving it
    who teaches the session), for teams inside the area."""
    instructors = _check_instructors(by, instructors)
    _check_may_organise(by, area, instructors)
    teams = _check_teams(area, teams)
    session = TrainingSession(
        title=title,
        course=course,
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        credit_hours=credit_hours,
        notes=notes,
        status=EventStatus.PLANNED,
        created_by=by,
    )
    _check_session(session)
    save_as(session, by=by)
    session.teams.set(teams)
    session.instructors.set(instructors)
    return session


@transaction.atomic
def session_update(*, by, session: TrainingSession, **changes) -> TrainingSession:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    session = _lock(session)
    _check_manages(by, session)
    if session.status != EventStatus.PLANNED:
        raise DomainError(_("只有计划中的培训可以修改。"), field="status")
    teams = changes.pop("teams", None)
    instructors = changes.pop("instructors", None)
    if teams is not None:
        teams = _check_teams(session.area, teams)
    if instructors is not None:
        instructors = _check_instructors(by, instructors)
        _check_may_organise(by, session.area, instructors)
    for name, value in changes.items():
        setattr(session, name, value)
    _check_session(session)
    save_as(session, by=by)
    if teams is not None:
        session.teams.set(teams)
    if instructors is not None:
        session.instructors.set(instructors)
    return session


@transaction.atomic
def session_cancel(*, by, session: TrainingSession, reason: str) -> TrainingSession:
    session = _lock(session)
    _check_manages(by, session)
    if session.status != EventStatus.PLANNED:
        raise DomainError(_("只有计划中的培训可以取消。"), field="status")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写取消原因。"), field="reason")
    session.status = EventStatus.CANCELLED
    # The model keeps no separate reason field: the reason heads the notes, and the history.
    session.notes = (_("取消原因：%(reason)s") % {"reason": reason} + "\n" + session.notes).strip()
    save_as(session, by=by, reason=_("取消培训：%(reason)s") % {"reason": reason})
    return session


# -- attendance ---------------------------------------------------------------------------


def _checkin_window(session: TrainingSession, now: datetime.datetime) -> None:
    if session.status != EventStatus.PLANNED:
        raise DomainError(
            _("这场培训已结束登记（或已取消），不能再扫码签到；请联系授课师资补录。"),
            field="session",
        )
    if now < session.starts_at - CHECKIN_OPENS_BEFORE:
        raise DomainError(_("签到尚未开始：培训开始前 1 小时起可以签到。"), field="session")
    if now > session.ends_at + CHECKIN_CLOSES_AFTER:
        raise DomainError(_("签到已结束：培训结束 2 小时后不能再扫码签到。"), field="session")


def session_checkin(
    *,
    member: Member,
    token: str,
    now: datetime.datetime | None = None,
    session: TrainingSession | None = None,
) -> tuple[SessionAttendance, bool]:
    """Check `member` in with a scanned token; a repeated scan changes nothing.
    Returns (attendance, created)."""
    now = now or timezone.now()
    if session is not None:
        checkin_verify("session", session.pk, token, now)
    else:
        session = TrainingSession.objects.filter(pk=checkin_read("session", token, now)).first()
        if session is None:
            raise DomainError(_("未找到这场培训。"), field="token")
    _check_attendee(session, member)
    existing = SessionAttendance.objects.filter(session=session, member=member).first()
    if existing is not None:
        return existing, False
    _checkin_window(session, now)
    attendance = SessionAttendance(
        session=session,
        member=member,
        method=AttendanceMethod.QR,
        checked_in_at=now,
        recorded_by=member.user,
    )
    try:
        with transaction.atomic():
            save_as(attendance, by=member.user)
    except IntegrityError:  # the same scan, sent twice at once
        return SessionAttendance.objects.get(session=session, member=member), False
    return attendance, True


@transaction.atomic
def session_attendance_record(
    *, by, session: TrainingSession, members: list
) -> list[SessionAttendance]:
    """Enter the paper sign-in sheet: members (or their ids), all or none. Members already
    signed in are kept as they are."""
    session = _lock(session)
    _check_manages(by, session)
    if session.status == EventStatus.CANCELLED:
        raise DomainError(_("培训已取消，不能登记签到。"), field="session")
    if not members:
        raise DomainError(_("请至少选择一名参训队员。"), field="members")
    eligible = {member.pk: member for member in eligible_members(session)}
    errors, chosen = [], []
    for number, value in enumerate(members, start=1):
        pk = value.pk if isinstance(value, Member) else value
        try:
            member = eligible.get(int(pk))
        except (TypeError, ValueError):
            member = None
        if member is None:
            errors.append(_("第 %(n)s 行：不是参训队伍的在队队员。") % {"n": number})
        elif member in chosen:
            errors.append(_("%(name)s：重复登记。") % {"name": member.name})
        else:
            chosen.append(member)
    if errors:
        raise DomainError(
            _("有 %(n)s 处需要更正，本次没有登记任何人：") % {"n": len(errors)} + errors[0],
            field="members",
            errors=errors,
        )
    existing = {a.member_id: a for a in session.attendances.select_for_update()}
    now = timezone.now()
    saved = []
    for member in chosen:
        attendance = existing.get(member.pk)
        if attendance is None:
            attendance = SessionAttendance(
                session=session,
                member=member,
                method=AttendanceMethod.PAPER,
                checked_in_at=now,
                recorded_by=by,
            )
            save_as(attendance, by=by, reason=_("纸质签到补录"))
            if session.status == EventStatus.HELD:
                _record_hours(session, member, by=by)
        saved.append(attendance)
    return saved


@transaction.atomic
def session_attendance_remove(*, by, attendance: SessionAttendance, reason: str = "") -> None:
    """Take a wrongly recorded member off the attendance; the history keeps the line, who
    removed it and why. A held session's hours for that member go with it."""
    session = _lock(attendance.session)
    _check_manages(by, session)
    if session.status == EventStatus.CANCELLED:
        raise DomainError(_("培训已取消，不能更正签到。"), field="session")
    reason = (reason or "").strip() or _("更正签到记录")
    attendance = SessionAttendance.objects.select_for_update().get(pk=attendance.pk)
    for record in ServiceRecord.objects.filter(session=session, member_id=attendance.member_id):
        delete_as(record, by=by, reason=reason)
    delete_as(attendance, by=by, reason=reason)


# -- after the session ----------------------------------------------------------------------


@transaction.atomic
def session_close(
    *, by, session: TrainingSession, now: datetime.datetime | None = None
) -> TrainingSession:
    """Record the session as held: each instructor's taught hours grow by its credit hours
    (only on the first close) and each attendee gets verified service hours (once)."""
    now = now or timezone.now()
    session = _lock(session)
    _check_manages(by, session)
    if session.status == EventStatus.CANCELLED:
        raise DomainError(_("培训已取消，不能登记为已举行。"), field="status")
    if session.status == EventStatus.PLANNED:
        if now < session.starts_at:
            raise DomainError(_("培训尚未开始，不能登记为已举行。"), field="status")
        if not session.attendances.exists():
            raise DomainError(
                _("还没有人签到：请先让学员扫码签到，或按纸质签到表补录，再结束培训。"),
                field="attendances",
            )
        session.status = EventStatus.HELD
        session.closed_at = now
        save_as(session, by=by, reason=_("结束培训"))
        # Under the session's row lock, and only on the change to held: never twice.
        Instructor.objects.filter(pk__in=session.instructors.values("pk")).update(
            taught_hours=F("taught_hours") + session.credit_hours
        )
        plan_items_match_event(session=session)
    for attendance in session.attendances.select_related("member"):
        _record_hours(session, attendance.member, by=by)
    return session
