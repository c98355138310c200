"""The outside-in permission suite: every route that names an object, tried by the people
who must not reach it (issue 10, item 2).

The routes come from the URL configuration, the API's OpenAPI schema and our routable pages
(routes.py); registry.py says how to reach an object of the first county through each, or
why the route is open by design. So:

- a new route that takes an id or a code and is in neither list fails
  `test_every_id_taking_route_is_mapped_or_allowed`;
- for every mapped route, another team's member and leader, another county's administrator,
  the anonymous visitor (and the insiders the route names: a teammate, the team's leader…)
  are refused: 404, or sent to sign in (401 on the API). A refusal other than 404 (Wagtail's
  "no permission" for someone without the admin's permission) passes only when the same
  request for an object that does not exist gets the same answer, so it says nothing about
  whether the object exists;
- the object's owner is served, once per route, so the refusals are not a broken route.
"""

import json

from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

import pytest

from .registry import (
    ALLOWED,
    MIXED,
    OUTSIDERS,
    ROUTES,
    SECOND_IS_NO_OBJECT,
    SELF_SERVICE,
    Case,
)
from .routes import id_taking_routes

# The people of the first county: the object is in their scope, so whether it exists is no
# secret to them; they must still be refused what the route keeps from them.
INSIDERS = {"member", "teammate", "leader", "admin", "city_admin"}


def _path(location: str) -> str:
    return location.split("?", 1)[0]


def _where(response, values: dict) -> str:
    """Where a redirect goes, with the route's own parameters blanked out."""
    blanks = {str(v) for v in values.values()}
    return "/".join(
        "{}" if part in blanks else part for part in _path(response.get("Location", "")).split("/")
    )


def send(case: Case, world, actor: str, url: str):
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(world, actor))
    data = case.data(world) if case.data else None
    if case.method == "get":
        return client.get(url)
    request = getattr(client, case.method)
    if case.kind == "api":
        return request(url, json.dumps(data) if data is not None else "", "application/json")
    return request(url, data or {})


def refusal_problem(case: Case, world, actor: str) -> str | None:
    """None when `actor` is refused the object; otherwise what they got.

    Refused: 404; for the anonymous visitor, the sign-in page (or 401 from the API); for
    someone signed in, Wagtail's "no permission" (403, or a redirect to the admin's
    dashboard or sign-in page). From someone outside the county that last refusal must not
    depend on the object existing — the same request naming no object gets the same answer —
    unless the object is region-wide content that no county owns.
    """
    response = send(case, world, actor, case.url(world))
    status = response.status_code
    location = _path(response.get("Location", ""))
    if status == 404:
        return None
    sign_in = (resolve_url(settings.LOGIN_URL), reverse("wagtailadmin_login"))
    if actor == "anonymous":
        if status == 401 or (status == 302 and location in sign_in):
            return None
        return f"{actor}: {status} {location}".strip()
    denied = status == 403 or (
        status == 302 and location in (*sign_in, reverse("wagtailadmin_home"))
    )
    if denied and (actor in INSIDERS or not case.county_owned):
        return None
    if status in (302, 403):
        missing = send(case, world, actor, case.url(world, missing=True))
        values, missing_values = case.kwargs(world), case.missing_kwargs(world)
        if missing.status_code == status and _where(missing, missing_values) == _where(
            response, values
        ):
            return None
    return f"{actor}: {status} {location}".strip()


# -- every route is accounted for -----------------------------------------------------------


def test_every_id_taking_route_is_mapped_or_allowed():
    routes = id_taking_routes()
    unaccounted = {
        key: f"{route.route} ({route.view})"
        for key, route in routes.items()
        if key not in ROUTES and key not in ALLOWED
    }
    assert not unaccounted, (
        "routes taking an object id or code with neither a case in tests/security/registry.py "
        f"(who may reach the object, who must get 404) nor a reason in ALLOWED: {unaccounted}"
    )
    stale = sorted((set(ROUTES) | set(ALLOWED)) - set(routes))
    assert not stale, f"registry entries for routes that no longer exist: {stale}"
    assert not set(ROUTES) & set(ALLOWED), "a route is both mapped and allowed"


def test_every_case_refuses_all_four_outsiders_or_says_why():
    for key, case in ROUTES.items():
        left_out = set(OUTSIDERS) - set(case.outsiders)
        assert left_out == set(case.excused), f"{key}: outsiders left out without a reason"
        assert all(case.excused.values()), f"{key}: an empty reason"
        assert case.owner or case.why_no_owner, f"{key}: no owner and no reason for none"
        assert case.owner not in case.outsiders or case.owner_kwargs, (
            f"{key}: the owner is also an outsider of the same object"
        )


def test_allowed_routes_say_why():
    assert all(len(reason) > 20 for reason in ALLOWED.values())


# -- outsiders are refused, owners are served -------------------------------------------------


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_outsiders_are_refused(key, perm_world):
    case = ROUTES[key]
    problems = [
        problem
        for actor in case.outsiders
        if (problem := refusal_problem(case, perm_world, actor)) is not None
    ]
    assert not problems, f"{case.method.upper()} {case.url(perm_world)} reached by {problems}"


@pytest.mark.parametrize("key", sorted(k for k, case in ROUTES.items() if case.owner))
def test_owner_is_served(key, perm_world):
    case = ROUTES[key]
    url = case.owner_url(perm_world)
    response = send(case, perm_world, case.owner, url)
    assert response.status_code in case.owner_status, (
        f"{case.owner}: {case.method.upper()} {url} → {response.status_code} "
        f"{response.get('Location', '')}"
    )


def test_every_route_naming_two_objects_is_tried_with_a_mixed_pair():
    two = {
        key for key, route in id_taking_routes().items() if key in ROUTES and len(route.params) > 1
    }
    assert two == set(MIXED) | set(SECOND_IS_NO_OBJECT)


@pytest.mark.parametrize("key", sorted(MIXED))
def test_a_second_id_is_looked_up_within_the_first(key, perm_world):
    """Their own drill with our drill's roll line, their team with our team's story…: 404."""
    case, mixed = ROUTES[key], MIXED[key]
    name, first_kwargs = mixed.first
    first = send(
        Case("url", name, first_kwargs),
        perm_world,
        mixed.actor,
        reverse(name, kwargs=first_kwargs(perm_world)),
    )
    assert first.status_code == 200, f"{mixed.actor} cannot open their own object at {name}"
    response = send(case, perm_world, mixed.actor, case.url(perm_world, kwargs=mixed.kwargs))
    assert response.status_code == 404


# -- the allow-list's own promises ------------------------------------------------------------


def test_calendar_feed_needs_a_valid_token(perm_world):
    client = Client()
    feed_url = reverse("calendar_feed", kwargs={"token": perm_world.feed.token})
    assert client.get(feed_url).status_code == 200
    wrong = reverse("calendar_feed", kwargs={"token": perm_world.feed.token[:-1] + "x"})
    assert client.get(wrong).status_code == 404


@pytest.mark.parametrize("kind", ["page", "api"])
def test_verification_shows_the_certificate_not_the_person(kind, perm_world):
    certificate, person = perm_world.certificate, perm_world.member_record

    def url(code):
        return reverse("verify", args=[code]) if kind == "page" else f"/api/v1/verify/{code}"

    client = Client()
    response = client.get(url(certificate.code))
    assert response.status_code == 200
    text = (
        response.content.decode()
        if kind == "page"
        else json.dumps(response.json(), ensure_ascii=False)
    )
    assert certificate.pdf_sha256 in text
    for private in (person.name, person.phone, person.id_number, perm_world.team.name):
        assert private not in text
    assert client.get(url("A" * 22)).status_code == 404


SELF_SERVICE_KEYS = sorted(key for key, reason in ALLOWED.items() if reason == SELF_SERVICE)


@pytest.mark.parametrize("key", SELF_SERVICE_KEYS)
def test_self_service_routes_send_anonymous_visitors_to_sign_in(key, db):
    route = id_taking_routes()[key]
    values = dict.fromkeys(route.params, 1)
    client = Client()
    if key.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
        method, path = key.split(" ", 1)
        response = getattr(client, method.lower())(path.format(**values))
        assert response.status_code == 401
    else:
        response = client.get(reverse(key, kwargs=values))
        assert response.status_code == 302
        assert _path(response["Location"]) == resolve_url(settings.LOGIN_URL)
