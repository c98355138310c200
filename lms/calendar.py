"""The calendar of drills and training sessions in a person's scope: the rows a page lists,
and a private iCalendar feed (a token URL) that phones subscribe to.

Whoever holds the feed's URL reads the events, so the feed shows what its owner may see and
nothing more (titles, times, places; no names of people), and its owner can reset the token
to cut off an old URL.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import icalendar

from lms.models import CalendarFeed, Drill, EventStatus, TrainingSession
from lms.models.plans import new_feed_token
from lms.scope import Scope, scope_for

# What a feed carries: the recent past (so a phone keeps last month's drills) and the
# coming year; the nearest events first if there are more than FEED_LIMIT.
FEED_PAST = datetime.timedelta(days=30)
FEED_FUTURE = datetime.timedelta(days=366)
FEED_LIMIT = 500
PAGE_FUTURE = datetime.timedelta(days=120)


@dataclass(frozen=True)
class CalendarEvent:
    kind: str  # "drill" or "session"
    pk: int
    title: str
    kind_label: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    status: str
    status_label: str
    teams: tuple[str, ...]
    detail: str

    @property
    def url_name(self) -> str:
        return "learn:drill" if self.kind == "drill" else "learn:session"

    @property
    def path(self) -> str:
        return reverse(self.url_name, args=[self.pk])


def _drill_event(drill: Drill) -> CalendarEvent:
    return CalendarEvent(
        kind="drill",
        pk=drill.pk,
        title=drill.title,
        kind_label=_("演练"),
        starts_at=drill.starts_at,
        ends_at=drill.ends_at,
        place=drill.place,
        status=drill.status,
        status_label=str(EventStatus(drill.status).label),
        teams=tuple(team.name for team in drill.teams.all()),
        detail=str(drill.get_scenario_display()),
    )


def _session_event(session: TrainingSession) -> CalendarEvent:
    return CalendarEvent(
        kind="session",
        pk=session.pk,
        title=session.title,
        kind_label=_("线下培训"),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session.place,
        status=session.status,
        status_label=str(EventStatus(session.status).label),
        teams=tuple(team.name for team in session.teams.all()),
        detail=session.course.title,
    )


def scope_events(
    scope: Scope,
    *,
    since: datetime.datetime,
    until: datetime.datetime,
    include_cancelled: bool = False,
    limit: int = FEED_LIMIT,
) -> list[CalendarEvent]:
    """Drills and sessions in `scope` overlapping [since, until], by start time."""
    drills = scope.drills().filter(ends_at__gte=since, starts_at__lte=until)
    sessions = scope.sessions().filter(ends_at__gte=since, starts_at__lte=until)
    if not include_cancelled:
        drills = drills.exclude(status=EventStatus.CANCELLED)
        sessions = sessions.exclude(status=EventStatus.CANCELLED)
    drills = drills.order_by("starts_at", "pk").prefetch_related("teams")[:limit]
    sessions = (
        sessions.order_by("starts_at", "pk")
        .select_related("course")
        .prefetch_related("teams")[:limit]
    )
    events = [_drill_event(d) for d in drills] + [_session_event(s) for s in sessions]
    events.sort(key=lambda event: (event.starts_at, event.kind, event.pk))
    return events[:limit]


def upcoming_events(user, *, now: datetime.datetime | None = None) -> list[CalendarEvent]:
    """What the calendar page lists: planned events from now on, for the next months."""
    now = now or timezone.now()
    return [
        event
        for event in scope_events(scope_for(user), since=now, until=now + PAGE_FUTURE)
        if event.status == EventStatus.PLANNED
    ]


# -- the feed -------------------------------------------------------------------------------


def calendar_feed_for(user) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """A new token: the old subscription URL stops working at once."""
    feed = calendar_feed_for(user)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed


def _ical_status(status: str) -> str:
    return "CANCELLED" if status == EventStatus.CANCELLED else "CONFIRMED"


def calendar_ics(user, *, base_url: str = "", now: datetime.datetime | None = None) -> bytes:
    """The iCalendar text of `user`'s drills and sessions (cancelled ones marked so that
    subscribed phones drop them). `base_url` ("https://host") makes the links absolute."""
    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//应急先锋学院//演练与培训//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("应急先锋学院 · 演练与培训"))
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    events = scope_events(
        scope_for(user), since=now - FEED_PAST, until=now + FEED_FUTURE, include_cancelled=True
    )
    stamp = now.astimezone(datetime.UTC)
    for event in events:
        entry = icalendar.Event()
        entry.add("uid", f"{event.kind}-{event.pk}@yingji-xianfeng")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.starts_at.astimezone(datetime.UTC))
        entry.add("dtend", event.ends_at.astimezone(datetime.UTC))
        entry.add("summary", f"{event.kind_label}：{event.title}")
        entry.add("location", event.place)
        lines = [event.detail]
        if event.teams:
            lines.append(_("参加队伍：%(teams)s") % {"teams": "、".join(event.teams)})
        lines.append(_("状态：%(status)s") % {"status": event.status_label})
        entry.add("description", "\n".join(line for line in lines if line))
        entry.add("status", _ical_status(event.status))
        entry.add("categories", [event.kind_label])
        if base_url:
            entry.add("url", base_url.rstrip("/") + event.path)
        calendar.add_component(entry)
    return calendar.to_ical()
