"""Links to the drill, session, hours and plan pages for the learner dashboard."""

from django import template
from django.urls import NoReverseMatch, reverse

from lms.scope import scope_for
from lms.selectors import managed_places
from lms.selectors.activities import pending_count, person_name

register = template.Library()


def _url(name: str) -> str | None:
    """The URL of a page, or None while that page does not exist (yet)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@register.simple_tag(takes_context=True)
def activity_links(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    scope = scope_for(user)
    places = managed_places(scope) if scope.manages_records else None
    return {
        "hours": _url("learn:hours"),
        "drills": _url("learn:drills"),
        "sessions": _url("learn:sessions"),
        "calendar": _url("learn:calendar"),
        "manages": scope.manages_records,
        "verify": _url("learn:hours_verify") if scope.manages_records else None,
        "pending": pending_count(scope),
        "teams": places.teams if places else [],
        "areas": places.areas if places else [],
        "plans": _url("learn:plans") if scope.is_area_admin else None,
    }


@register.filter
def person(user) -> str:
    """A user's name, family name first."""
    return person_name(user)
