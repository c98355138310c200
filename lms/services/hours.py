"""Service hours (服务时长): recording, verifying, and the automatic records of drills and
sessions.

Hours count once a second person verified them: a leader or administrator in scope who
neither entered the record nor is its member. A member's hours on one day never pass
24 (pending and verified records together); every write locks the member's row first,
so two concurrent entries cannot pass the limit between them.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import DomainError
from lms.models import (
    Drill,
    Member,
    ServiceActivity,
    ServiceRecord,
    ServiceStatus,
    TrainingSession,
)
from lms.scope import scope_for

DAY_LIMIT = Decimal("24")
HALF_HOUR = Decimal("0.5")
# Entries are accepted for the last three calendar months (today included).
MONTHS_BACK = 3
DESCRIPTION_MAX = 300
REASON_MAX = 255


# -- shared checks ------------------------------------------------------------------------


def _lock_member(member: Member) -> None:
    """Serialise every hour write of one member, so two entries cannot pass 24 h together."""
    Member.objects.select_for_update().filter(pk=member.pk).first()


def hours_on(member: Member, date: datetime.date, *, exclude_pk: int | None = None) -> Decimal:
    """Pending and verified hours of `member` on `date` (rejected ones do not count)."""
    records = ServiceRecord.objects.filter(member=member, date=date).exclude(
        status=ServiceStatus.REJECTED
    )
    if exclude_pk:
        records = records.exclude(pk=exclude_pk)
    return records.aggregate(total=Sum("hours"))["total"] or Decimal("0")


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (the month's last day if it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def earliest_date(today: datetime.date) -> datetime.date:
    return months_before(today, MONTHS_BACK)


def _clean_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours).strip())
    except (InvalidOperation, ValueError, TypeError):
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise DomainError(_("时长应为正数（小时），以 0.5 小时为单位。"), field="hours")
    # The limit first: `%` on a huge value (1E+30) raises InvalidOperation instead of answering.
    if value > DAY_LIMIT:
        raise DomainError(_("一天的服务时长不能超过 24 小时。"), field="hours")
    if value % HALF_HOUR:
        raise DomainError(_("时长以 0.5 小时为单位，例如 1、1.5、2。"), field="hours")
    return value


def _clean_entry(
    *, member: Member, activity: str, date, hours, description: str, today: datetime.date
) -> tuple[datetime.date, Decimal, str]:
    if activity not in ServiceActivity.values:
        raise DomainError(_("请选择活动类型。"), field="activity")
    if isinstance(date, datetime.datetime):
        date = timezone.localdate(date) if timezone.is_aware(date) else date.date()
    if not isinstance(date, datetime.date):
        raise DomainError(_("请填写日期。"), field="date")
    if date > today:
        raise DomainError(_("不能登记今天以后的服务时长。"), field="date")
    if date < earliest_date(today):
        raise DomainError(_("只能登记最近 3 个月内的服务时长。"), field="date")
    if date < member.joined_on or (member.left_on and date >= member.left_on):
        raise DomainError(_("该日期不在该队员的在队期间内。"), field="date")
    value = _clean_hours(hours)
    description = (description or "").strip()
    if not description:
        raise DomainError(_("请简要填写服务内容。"), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _("服务内容不能超过 %(n)s 个字。") % {"n": DESCRIPTION_MAX}, field="description"
        )
    return date, value, description


def _check_day(member: Member, date: datetime.date, hours: Decimal, *, exclude_pk=None) -> None:
    already = hours_on(member, date, exclude_pk=exclude_pk)
    if already + hours > DAY_LIMIT:
        raise DomainError(
            _(
                "%(name)s %(date)s 的服务时长合计不能超过 24 小时：已登记 %(already)s 小时"
                "（含待核实），本次最多还能登记 %(left)s 小时。"
            )
            % {
                "name": member.name,
                "date": date.isoformat(),
                "already": _fmt(already),
                "left": _fmt(max(Decimal("0"), DAY_LIMIT - already)),
            },
            field="hours",
        )


def _fmt(value: Decimal) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _full_clean(record: ServiceRecord) -> None:
    try:
        record.full_clean(exclude=["member", "drill", "session", "entered_by", "verified_by"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


def may_record_for(by, member: Member) -> bool:
    """A member records their own hours; a leader or administrator, their teams' members'."""
    if by is None or not by.is_authenticated:
        return False
    if member.user_id == by.pk:
        return True
    return scope_for(by).managed_teams().filter(pk=member.team_id).exists()


def may_verify(by, record: ServiceRecord) -> bool:
    return scope_for(by).verifiable_service_records().filter(pk=record.pk).exists()


# -- recording ----------------------------------------------------------------------------


def service_record_create(
    *,
    by,
    member: Member,
    activity: str,
    date: datetime.date,
    hours,
    description: str,
    now: datetime.datetime | None = None,
) -> ServiceRecord:
    """Record hours (pending until a second person verifies them)."""
    if not may_record_for(by, member):
        raise DomainError(_("您只能为本人或所管理队伍的队员登记服务时长。"), field="member")
    today = timezone.localdate(now) if now else timezone.localdate()
    date, value, description = _clean_entry(
        member=member,
        activity=activity,
        date=date,
        hours=hours,
        description=description,
        today=today,
    )
    with transaction.atomic():
        _lock_member(member)
        _check_day(member, date, value)
        record = ServiceRecord(
            member=member,
            activity=activity,
            date=date,
            hours=value,
            description=description,
            status=ServiceStatus.PENDING,
            entered_by=by,
        )
        _full_clean(record)
        record.save()
    return record


def _check_own_pending(by, record: ServiceRecord) -> None:
    if record.entered_by_id is None or record.entered_by_id != getattr(by, "pk", None):
        raise DomainError(_("只有登记人本人可以修改或删除这条记录。"))
    if record.status != ServiceStatus.PENDING:
        raise DomainError(_("该记录已核实或已退回，不能再修改或删除。"))


def service_record_update(
    *,
    by,
    record: ServiceRecord,
    activity: str,
    date: datetime.date,
    hours,
    description: str,
    now: datetime.datetime | None = None,
) -> ServiceRecord:
    """Correct a pending record; only whoever entered it may."""
    today = timezone.localdate(now) if now else timezone.localdate()
    with transaction.atomic():
        _lock_member(record.member)
        record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        _check_own_pending(by, record)
        date, value, description = _clean_entry(
            member=record.member,
            activity=activity,
            date=date,
            hours=hours,
            description=description,
            today=today,
        )
        _check_day(record.member, date, value, exclude_pk=record.pk)
        record.activity, record.date, record.hours = activity, date, value
        record.description = description
        _full_clean(record)
        record.save(update_fields=["activity", "date", "hours", "description"])
    return record


def service_record_delete(*, by, record: ServiceRecord) -> None:
    """Withdraw a pending record; only whoever entered it may."""
    with transaction.atomic():
        record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        _check_own_pending(by, record)
        record.delete()


# -- verifying ----------------------------------------------------------------------------


def _check_verifier(by, record: ServiceRecord) -> None:
    if by is None or not by.is_authenticated:
        raise DomainError(_("请先登录。"))
    if record.entered_by_id == by.pk or record.member.user_id == by.pk:
        raise DomainError(_("不能核实自己登记或本人的服务时长，请由其他队长或管理员核实。"))
    if not may_verify(by, record):
        raise DomainError(_("只有该队员所在队伍的队长或辖区管理员可以核实。"))
    if record.status != ServiceStatus.PENDING:
        raise DomainError(
            _("该记录已处理（%(status)s）。") % {"status": record.get_status_display()}
        )


def service_record_verify(
    *, by, record: ServiceRecord, now: datetime.datetime | None = None
) -> ServiceRecord:
    """Confirm a pending record: from now on its hours count."""
    with transaction.atomic():
        record = (
            ServiceRecord.objects.select_for_update().select_related("member").get(pk=record.pk)
        )
        _check_verifier(by, record)
        record.status = ServiceStatus.VERIFIED
        record.verified_by = by
        record.verified_at = now or timezone.now()
        record.reject_reason = ""
        record.save(update_fields=["status", "verified_by", "verified_at", "reject_reason"])
    return record


def service_records_verify(
    *, by, records: list[ServiceRecord], now: datetime.datetime | None = None
) -> int:
    """Verify several records at once: all of them, or (naming each refusal) none."""
    if not records:
        raise DomainError(_("请至少选择一条记录。"), field="records")
    errors = []
    with transaction.atomic():
        for record in records:
            try:
                with transaction.atomic():
                    service_record_verify(by=by, record=record, now=now)
            except DomainError as error:
                errors.append(f"{record.member.name} {record.date:%Y-%m-%d}：{error.message}")
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise DomainError(
            _("有 %(n)s 条记录不能核实，全部未核实。") % {"n": len(errors)},
            field="records",
            errors=errors,
        )
    return len(records)


def service_record_reject(
    *, by, record: ServiceRecord, reason: str, now: datetime.datetime | None = None
) -> ServiceRecord:
    """Send a pending record back with the reason; its hours do not count."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写退回原因。"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("退回原因不能超过 %(n)s 个字。") % {"n": REASON_MAX}, field="reason")
    with transaction.atomic():
        record = (
            ServiceRecord.objects.select_for_update().select_related("member").get(pk=record.pk)
        )
        _check_verifier(by, record)
        record.status = ServiceStatus.REJECTED
        record.verified_by = by
        record.verified_at = now or timezone.now()
        record.reject_reason = reason
        record.save(update_fields=["status", "verified_by", "verified_at", "reject_reason"])
    return record


# -- the automatic records of drills and sessions ---------------------------------------


def _to_half_hours(hours) -> Decimal:
    return (Decimal(hours) * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP) / 2


def service_record_from_event(
    *,
    member: Member,
    activity: str,
    date: datetime.date,
    hours: Decimal,
    description: str,
    verified_by,
    drill: Drill | None = None,
    session: TrainingSession | None = None,
) -> ServiceRecord | None:
    """The automatic, already verified record of a closed drill or session.

    Idempotent: the member's existing record of that drill/session is returned as it is.
    The hours are rounded to half hours (at least half an hour) and capped so that the
    member's day stays within 24 h; None when nothing is left of the day (or no hours).
    Never raises on a repeat.
    """
    if (drill is None) == (session is None):
        raise ValueError("service_record_from_event needs exactly one of drill or session")
    link = {"drill": drill} if drill is not None else {"session": session}
    with transaction.atomic():
        _lock_member(member)
        existing = ServiceRecord.objects.filter(member=member, **link).first()
        if existing is not None:
            return existing
        if hours is None or Decimal(hours) <= 0:
            return None
        value = min(max(HALF_HOUR, _to_half_hours(hours)), DAY_LIMIT - hours_on(member, date))
        if value < HALF_HOUR:
            return None
        record = ServiceRecord(
            member=member,
            activity=activity,
            date=date,
            hours=value,
            description=(description or "")[:DESCRIPTION_MAX],
            status=ServiceStatus.VERIFIED,
            verified_by=verified_by,
            verified_at=timezone.now(),
            entered_by=None,
            **link,
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:  # made concurrently by a repeat of the same close
            return ServiceRecord.objects.filter(member=member, **link).first()
        return record
