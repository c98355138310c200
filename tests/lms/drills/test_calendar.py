"""The calendar page and the private iCalendar feed."""

from django.urls import reverse

import icalendar
import pytest

from lms.calendar import calendar_feed_for, calendar_feed_reset
from lms.services.drills import drill_cancel

from .conftest import new_drill

pytestmark = pytest.mark.django_db


def feed_url(user):
    return reverse("calendar_feed", args=[calendar_feed_for(user).token])


def test_the_feed_parses_back_and_holds_the_users_events(
    client, world, drill, other_drill, session
):
    cancelled = new_drill(world["leader_user"], world["qingxiu_team"], title="取消的演练")
    drill_cancel(by=world["leader_user"], drill=cancelled, reason="改期")
    response = client.get(feed_url(world["member_user"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert f"drill-{drill.pk}@yingji-xianfeng" in events
    assert f"session-{session.pk}@yingji-xianfeng" in events
    assert f"drill-{other_drill.pk}@yingji-xianfeng" not in events
    event = events[f"drill-{drill.pk}@yingji-xianfeng"]
    assert drill.title in str(event["summary"])
    assert str(event["location"]) == drill.place
    assert event.decoded("dtstart") == drill.starts_at.replace(microsecond=0)
    assert str(event["url"]).endswith(reverse("learn:drill", args=[drill.pk]))
    assert str(events[f"drill-{cancelled.pk}@yingji-xianfeng"]["status"]) == "CANCELLED"


def test_a_wrong_or_reset_token_is_not_found(client, world, drill):
    user = world["member_user"]
    old = feed_url(user)
    assert client.get(reverse("calendar_feed", args=["not-the-token"])).status_code == 404
    calendar_feed_reset(user=user)
    assert client.get(old).status_code == 404
    assert client.get(feed_url(user)).status_code == 200


def test_the_calendar_page_lists_upcoming_events_and_resets(client, world, drill, other_drill):
    client.force_login(world["member_user"])
    page = client.get(reverse("learn:calendar")).content.decode()
    assert drill.title in page and other_drill.title not in page
    token = calendar_feed_for(world["member_user"]).token
    assert token in page and "webcal://" in page
    response = client.post(reverse("learn:calendar_reset"))
    assert response.status_code == 302
    assert calendar_feed_for(world["member_user"]).token != token
    assert client.get(reverse("learn:calendar_reset")).status_code == 405
