"""Service hours through the API: one's own hours, recording hours, verifying them.

Recording and verifying go through lms.services.hours (3 months back, 24 h a day, a second
person verifies). A record or member outside the caller's scope is not found (404); a rule
that refuses the change is a 400 with its reason.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja import Query, Router, Status

from lms.errors import DomainError
from lms.models import Member, ServiceRecord
from lms.selectors.activities import hour_totals
from lms.services.hours import (
    service_record_create,
    service_record_reject,
    service_record_verify,
)

from .common import get_within, request_scope
from .schemas import Error
from .schemas_hours import MyHoursFilters, MyHoursOut, RejectIn, ServiceRecordIn, ServiceRecordOut

router = Router(tags=["服务时长"])


def records_for_output(records: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    return records.select_related("member__team", "entered_by", "verified_by")


def _own_member(request: HttpRequest) -> Member:
    member = Member.objects.select_related("team").filter(user=request.auth).first()
    if member is None:
        raise DomainError(
            _("您的账号尚未登记为队员，没有本人的服务时长。请联系队长在名册中关联您的账号。"),
            field="member_id",
        )
    return member


def _record(request: HttpRequest, record_id: int) -> ServiceRecord:
    records = records_for_output(request_scope(request).service_records())
    return get_within(records, record_id, _("未找到该服务时长记录。"))


@router.get(
    "/me/hours",
    response={200: MyHoursOut, 400: Error},
    summary="我的服务时长",
    description="本人的服务时长合计（已核实、待核实）与某一年度的记录。",
)
def my_hours(request: HttpRequest, filters: Query[MyHoursFilters]):
    member = _own_member(request)
    year = filters.year or timezone.localdate().year
    totals = hour_totals(member, year)
    records = records_for_output(ServiceRecord.objects.filter(member=member, date__year=year))
    return {
        "member": member,
        "team": member.team,
        "year": year,
        "verified_year": float(totals["verified_year"]),
        "verified_total": float(totals["verified_total"]),
        "pending": float(totals["pending"]),
        "records": list(records.order_by("-date", "-pk")),
    }


@router.post(
    "/hours",
    response={201: ServiceRecordOut, 400: Error, 404: Error},
    summary="登记服务时长",
    description="登记本人（或所管理队伍队员）的服务时长，待其他队长或管理员核实后计入。",
)
def hours_record(request: HttpRequest, payload: ServiceRecordIn):
    if payload.member_id is None:
        member = _own_member(request)
    else:
        members = request_scope(request).members().select_related("team")
        member = get_within(members, payload.member_id, _("未找到该队员。"))
    record = service_record_create(
        by=request.auth,
        member=member,
        activity=payload.activity.value,
        date=payload.date,
        hours=payload.hours,
        description=payload.description,
    )
    return Status(201, records_for_output(ServiceRecord.objects).get(pk=record.pk))


@router.post(
    "/hours/{record_id}/verify",
    response={200: ServiceRecordOut, 400: Error, 404: Error},
    summary="核实服务时长",
    description="队长或辖区管理员核实；不能核实本人的或自己登记的记录。",
)
def hours_verify(request: HttpRequest, record_id: int):
    record = service_record_verify(by=request.auth, record=_record(request, record_id))
    return records_for_output(ServiceRecord.objects).get(pk=record.pk)


@router.post(
    "/hours/{record_id}/reject",
    response={200: ServiceRecordOut, 400: Error, 404: Error},
    summary="退回服务时长",
    description="退回待核实的记录并说明原因；退回的时长不计入。",
)
def hours_reject(request: HttpRequest, record_id: int, payload: RejectIn):
    record = service_record_reject(
        by=request.auth, record=_record(request, record_id), reason=payload.reason
    )
    return records_for_output(ServiceRecord.objects).get(pk=record.pk)
