"""Drills and training sessions through the API: what is coming up, and checking in.

`POST /checkin` takes what the QR code holds (kind, id, token): a forged, expired or
other-event token is a 400 with its reason; an event outside the caller's scope is a 404.
A repeated check-in changes nothing and answers `created: false`.
"""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja import Query, Router

from lms.calendar import scope_events
from lms.errors import DomainError
from lms.models import (
    AttendanceMethod,
    DrillParticipation,
    EventStatus,
    Member,
    SessionAttendance,
)
from lms.services.drills import drill_checkin
from lms.services.sessions import session_checkin

from .common import get_within, request_scope
from .schemas import Error, choice
from .schemas_events import CheckinIn, CheckinOut, EventOut, UpcomingFilters

router = Router(tags=["演练与培训"])


def _own_member(request: HttpRequest) -> Member | None:
    return Member.objects.select_related("team").filter(user=request.auth).first()


@router.get("/events/upcoming", response=list[EventOut], summary="近期的演练和线下培训")
def events_upcoming(request: HttpRequest, filters: Query[UpcomingFilters]):
    """Planned drills and sessions in the caller's scope, from now on, by start time."""
    now = timezone.now()
    events = [
        event
        for event in scope_events(
            request_scope(request), since=now, until=now + datetime.timedelta(days=filters.days)
        )
        if event.status == EventStatus.PLANNED and filters.kind in (None, event.kind)
    ]
    member = _own_member(request)
    drills_in, sessions_in = set(), set()
    if member is not None:
        drills_in = set(
            DrillParticipation.objects.filter(
                member=member, drill_id__in=[e.pk for e in events if e.kind == "drill"]
            ).values_list("drill_id", flat=True)
        )
        sessions_in = set(
            SessionAttendance.objects.filter(
                member=member, session_id__in=[e.pk for e in events if e.kind == "session"]
            ).values_list("session_id", flat=True)
        )
    return [
        {
            "kind": event.kind,
            "id": event.pk,
            "title": event.title,
            "kind_label": event.kind_label,
            "detail": event.detail,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "place": event.place,
            "status": choice(EventStatus, event.status),
            "teams": list(event.teams),
            "url": request.build_absolute_uri(event.path),
            "checked_in": event.pk in (drills_in if event.kind == "drill" else sessions_in),
        }
        for event in events
    ]


@router.post(
    "/checkin",
    response={200: CheckinOut, 400: Error, 404: Error},
    summary="扫码签到",
    description="提交二维码中的 kind、id 和签到码 t。签到码每 30 秒更换，"
    "过期、伪造或属于其他活动的签到码返回 400 及原因；重复签到不会重复登记。",
)
def checkin(request: HttpRequest, payload: CheckinIn):
    scope = request_scope(request)
    if payload.kind == "drill":
        event = get_within(scope.drills(), payload.id, _("未找到该演练。"))
    else:
        event = get_within(scope.sessions(), payload.id, _("未找到该培训。"))
    member = _own_member(request)
    if member is None:
        raise DomainError(
            _("您的账号还没有登记为队员，不能签到。请联系队长把账号关联到队员名册。"),
            field="member",
        )
    if payload.kind == "drill":
        record, created = drill_checkin(member=member, token=payload.token, drill=event)
    else:
        record, created = session_checkin(member=member, token=payload.token, session=event)
    return {
        "checked_in": True,
        "created": created,
        "kind": payload.kind,
        "id": event.pk,
        "title": event.title,
        "checked_in_at": record.checked_in_at,
        "method": choice(AttendanceMethod, record.method),
    }
