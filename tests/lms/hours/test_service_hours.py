"""Recording and verifying service hours: the rules a person runs into."""

import datetime
from decimal import Decimal

import pytest

from lms.errors import DomainError
from lms.models import ServiceRecord, ServiceStatus
from lms.services.hours import (
    months_before,
    service_record_create,
    service_record_delete,
    service_record_from_event,
    service_record_reject,
    service_record_update,
    service_record_verify,
    service_records_verify,
)

from .conftest import make_drill, record

pytestmark = pytest.mark.django_db


def create(by, member, day, hours, **kw):
    return service_record_create(
        by=by,
        member=member,
        activity=kw.pop("activity", "patrol"),
        date=day,
        hours=hours,
        description=kw.pop("description", "防汛巡查"),
        **kw,
    )


# -- recording -------------------------------------------------------------------------------


def test_member_records_own_hours_pending(people, today):
    rec = create(people["member_user"], people["member"], today, Decimal("2.5"))
    assert rec.status == ServiceStatus.PENDING
    assert rec.entered_by == people["member_user"]
    assert rec.hours == Decimal("2.5")


def test_leader_records_for_team_member(people, today):
    rec = create(people["leader_user"], people["teammate"], today, 3)
    assert rec.member == people["teammate"]
    assert rec.entered_by == people["leader_user"]


@pytest.mark.parametrize("who", ["member_user", "liuzhou_leader_user", "liuzhou_admin"])
def test_cannot_record_for_someone_outside_scope(people, today, who):
    with pytest.raises(DomainError, match="本人或所管理队伍"):
        create(people[who], people["teammate"], today, 1)
    assert not ServiceRecord.objects.exists()


def test_25_hours_in_a_day_is_refused(people, today):
    with pytest.raises(DomainError) as exc:
        create(people["member_user"], people["member"], today, 25)
    assert exc.value.field == "hours"
    assert "24 小时" in exc.value.message
    assert not ServiceRecord.objects.exists()


def test_20_then_5_hours_in_a_day_is_refused(people, today):
    create(people["member_user"], people["member"], today, 20)
    with pytest.raises(DomainError) as exc:
        create(people["leader_user"], people["member"], today, 5)
    assert "合计不能超过 24 小时" in exc.value.message
    assert "已登记 20 小时" in exc.value.message
    assert "最多还能登记 4 小时" in exc.value.message
    assert ServiceRecord.objects.count() == 1


def test_rejected_hours_do_not_count_towards_the_day(people, today):
    record(people["member"], today, 20, status=ServiceStatus.REJECTED)
    create(people["member_user"], people["member"], today, 20)
    assert ServiceRecord.objects.count() == 2


def test_verified_and_pending_hours_both_count(people, today):
    record(people["member"], today, 10, status=ServiceStatus.VERIFIED)
    record(people["member"], today, 10)
    with pytest.raises(DomainError, match="24 小时"):
        create(people["member_user"], people["member"], today, 4.5)
    create(people["member_user"], people["member"], today, 4)


def test_four_months_back_is_refused(people, today):
    day = months_before(today, 4)
    with pytest.raises(DomainError) as exc:
        create(people["member_user"], people["member"], day, 2)
    assert exc.value.message == "只能登记最近 3 个月内的服务时长。"
    assert exc.value.field == "date"
    assert not ServiceRecord.objects.exists()


def test_three_months_back_is_accepted(people, today):
    people["member"].joined_on = datetime.date(2000, 1, 1)
    people["member"].save()
    create(people["member_user"], people["member"], months_before(today, 3), 2)
    with pytest.raises(DomainError, match="最近 3 个月"):
        create(
            people["member_user"],
            people["member"],
            months_before(today, 3) - datetime.timedelta(days=1),
            2,
        )


def test_future_date_is_refused(people, today):
    with pytest.raises(DomainError, match="今天以后"):
        create(people["member_user"], people["member"], today + datetime.timedelta(days=1), 2)


@pytest.mark.parametrize("hours", [0, -1, "0.3", "1.25", "abc", "NaN"])
def test_hours_must_be_positive_half_hours(people, today, hours):
    with pytest.raises(DomainError) as exc:
        create(people["member_user"], people["member"], today, hours)
    assert exc.value.field == "hours"
    assert "0.5" in exc.value.message


def test_description_and_activity_are_required(people, today):
    with pytest.raises(DomainError, match="服务内容"):
        create(people["member_user"], people["member"], today, 1, description="  ")
    with pytest.raises(DomainError, match="活动类型"):
        create(people["member_user"], people["member"], today, 1, activity="dance")


def test_months_before_handles_short_months():
    assert months_before(datetime.date(2025, 5, 31), 3) == datetime.date(2025, 2, 28)
    assert months_before(datetime.date(2025, 2, 15), 3) == datetime.date(2024, 11, 15)


# -- verifying --------------------------------------------------------------------------------


def test_leader_cannot_verify_own_hours(people, today):
    rec = create(people["leader_user"], people["leader"], today, 2)
    with pytest.raises(DomainError) as exc:
        service_record_verify(by=people["leader_user"], record=rec)
    assert "不能核实自己登记或本人的服务时长" in exc.value.message
    rec.refresh_from_db()
    assert rec.status == ServiceStatus.PENDING


def test_leader_cannot_verify_what_they_entered(people, today):
    rec = create(people["leader_user"], people["teammate"], today, 2)
    with pytest.raises(DomainError, match="不能核实自己登记或本人的服务时长"):
        service_record_verify(by=people["leader_user"], record=rec)
    # A second person (the deputy) can.
    service_record_verify(by=people["deputy_user"], record=rec)
    rec.refresh_from_db()
    assert rec.status == ServiceStatus.VERIFIED
    assert rec.verified_by == people["deputy_user"]


def test_own_hours_entered_by_someone_else_still_not_verifiable_by_self(people, today):
    rec = create(people["deputy_user"], people["leader"], today, 2)
    with pytest.raises(DomainError, match="不能核实自己登记或本人"):
        service_record_verify(by=people["leader_user"], record=rec)
    service_record_verify(by=people["qingxiu_admin"], record=rec)


@pytest.mark.parametrize("who", ["member_user", "liuzhou_leader_user", "liuzhou_admin"])
def test_outsiders_cannot_verify(people, today, who):
    rec = create(people["member_user"], people["member"], today, 2)
    with pytest.raises(DomainError):
        service_record_verify(by=people[who], record=rec)
    rec.refresh_from_db()
    assert rec.status == ServiceStatus.PENDING


def test_verify_twice_is_refused(people, today):
    rec = create(people["member_user"], people["member"], today, 2)
    service_record_verify(by=people["leader_user"], record=rec)
    with pytest.raises(DomainError, match="已处理"):
        service_record_verify(by=people["qingxiu_admin"], record=rec)


def test_reject_needs_reason_and_records_it(people, today):
    rec = create(people["member_user"], people["member"], today, 2)
    with pytest.raises(DomainError, match="退回原因"):
        service_record_reject(by=people["leader_user"], record=rec, reason=" ")
    service_record_reject(by=people["leader_user"], record=rec, reason="当天未排班")
    rec.refresh_from_db()
    assert rec.status == ServiceStatus.REJECTED
    assert rec.reject_reason == "当天未排班"


def test_bulk_verify_is_all_or_nothing(people, today):
    mine = create(people["member_user"], people["member"], today, 2)
    leaders_own = create(people["leader_user"], people["leader"], today, 2)
    with pytest.raises(DomainError) as exc:
        service_records_verify(by=people["leader_user"], records=[mine, leaders_own])
    assert exc.value.errors and "蒙队长" in exc.value.errors[0]
    assert ServiceRecord.objects.filter(status=ServiceStatus.VERIFIED).count() == 0
    assert service_records_verify(by=people["leader_user"], records=[mine]) == 1


# -- correcting and withdrawing ---------------------------------------------------------


def test_only_enterer_updates_or_deletes_while_pending(people, today):
    rec = create(people["member_user"], people["member"], today, 2)
    with pytest.raises(DomainError, match="只有登记人本人"):
        service_record_update(
            by=people["leader_user"],
            record=rec,
            activity="patrol",
            date=today,
            hours=3,
            description="x",
        )
    service_record_update(
        by=people["member_user"],
        record=rec,
        activity="publicity",
        date=today,
        hours=3,
        description="防灾宣传",
    )
    rec.refresh_from_db()
    assert (rec.activity, rec.hours) == ("publicity", Decimal("3"))
    service_record_verify(by=people["leader_user"], record=rec)
    with pytest.raises(DomainError, match="已核实或已退回"):
        service_record_delete(by=people["member_user"], record=rec)


def test_update_keeps_the_day_limit_without_counting_itself(people, today):
    rec = create(people["member_user"], people["member"], today, 20)
    service_record_update(
        by=people["member_user"],
        record=rec,
        activity="patrol",
        date=today,
        hours=24,
        description="x",
    )
    other = create(people["member_user"], people["member"], today - datetime.timedelta(days=1), 1)
    with pytest.raises(DomainError, match="24 小时"):
        service_record_update(
            by=people["member_user"],
            record=other,
            activity="patrol",
            date=today,
            hours=1,
            description="x",
        )


# -- the automatic records of drills and sessions --------------------------------------


def test_from_event_is_idempotent(people, today):
    drill = make_drill([people["qingxiu_team"]], today)
    kwargs = {
        "member": people["member"],
        "activity": "drill",
        "date": today,
        "hours": Decimal("2"),
        "description": "防汛转移演练",
        "verified_by": people["leader_user"],
        "drill": drill,
    }
    first = service_record_from_event(**kwargs)
    again = service_record_from_event(**{**kwargs, "hours": Decimal("5")})
    assert first.pk == again.pk
    assert first.status == ServiceStatus.VERIFIED
    assert ServiceRecord.objects.count() == 1
    assert ServiceRecord.objects.get().hours == Decimal("2")


def test_from_event_caps_the_day_at_24(people, today):
    record(people["member"], today, 22, status=ServiceStatus.VERIFIED)
    drill = make_drill([people["qingxiu_team"]], today)
    rec = service_record_from_event(
        member=people["member"],
        activity="drill",
        date=today,
        hours=Decimal("4"),
        description="演练",
        verified_by=people["leader_user"],
        drill=drill,
    )
    assert rec.hours == Decimal("2")
    other = make_drill([people["qingxiu_team"]], today, title="第二场")
    assert (
        service_record_from_event(
            member=people["member"],
            activity="drill",
            date=today,
            hours=Decimal("1"),
            description="演练",
            verified_by=people["leader_user"],
            drill=other,
        )
        is None
    )
    total = sum(r.hours for r in ServiceRecord.objects.filter(member=people["member"], date=today))
    assert total == Decimal("24")


def test_from_event_rounds_to_half_hours(people, today):
    drill = make_drill([people["qingxiu_team"]], today)
    rec = service_record_from_event(
        member=people["member"],
        activity="drill",
        date=today,
        hours=Decimal("1.33"),
        description="演练",
        verified_by=None,
        drill=drill,
    )
    assert rec.hours == Decimal("1.5")
