"""Hostile input on the JSON API: schemathesis against /api/v1/openapi.json, in process.

Every operation of the published schema gets generated requests, valid and invalid
(schemathesis's coverage and fuzzing phases: boundary values, wrong types, missing and
extra fields, unexpected methods), as a county administrator, a team leader signed in with
a session, a member with an API token, and an anonymous caller with made-up credentials,
over a world with a course, an exam and an attempt, a certificate, drills and hours.

What must hold for every request: no server error (5xx); a status code the schema
documents (or 401/422, see UNDOCUMENTED_BUT_EXPECTED); the documented content type; a body
that matches the documented schema.

Generation is derandomized with a fixed seed and a bounded number of examples, so a run
takes about the same time everywhere and repeats itself on the same code. (Hypothesis
also draws constants it finds in the project's modules, so a change elsewhere in the code
can change which examples are drawn.)
"""

import json
from collections.abc import Iterator
from urllib.parse import quote, urlencode

from django.test import Client
from django.utils import timezone

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.api_fuzz_support import (
    CALLERS,
    build_api_world,
    credentials,
    in_process_app,
    install_hooks,
)

SCHEMA_URL = "/api/v1/openapi.json"

# Per operation and caller, in the fuzzing phase; the coverage phase adds its own
# deterministic cases (boundary values, each parameter missing or of the wrong type).
MAX_EXAMPLES = 25
ANONYMOUS_MAX_EXAMPLES = 10
SEED = 20260501

CONFIG = {
    "seed": SEED,
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        # The real credentials are sent with each request (see `credentials`).
        "with-security-parameters": False,
    },
}

# The anonymous caller sends made-up credentials (bearer tokens, session cookies) and is
# turned away before any parameter is read: the credentials are what is fuzzed there.
ANONYMOUS_CONFIG = {
    **CONFIG,
    "phases": {**CONFIG["phases"], "coverage": {"enabled": False}},
    "generation": {
        **CONFIG["generation"],
        "max-examples": ANONYMOUS_MAX_EXAMPLES,
        "with-security-parameters": True,
    },
}

# Answers every operation can give without documenting them: 401 (not signed in, or a bad
# token) and 422 (ninja's validation error, with the field at fault).
UNDOCUMENTED_BUT_EXPECTED = {401, 422}


@pytest.fixture(params=CALLERS)
def caller(request):
    return request.param


@pytest.fixture
def api_world(site_tree):
    return build_api_world(site_tree["home"])


@pytest.fixture
def app_and_errors(db):
    with in_process_app() as pair:
        yield pair


@pytest.fixture
def api_schema(request, api_world, caller, app_and_errors):
    # schemathesis 4.32.5's from_fixture renames the running test through `node._nodeid`,
    # which pytest 9.2 no longer has (the id lives in `node._id`): give it one to rename.
    request.node._nodeid = request.node.nodeid
    app, _errors = app_and_errors
    config = schemathesis.Config.from_dict(CONFIG if caller != "anonymous" else ANONYMOUS_CONFIG)
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, app, config=config)
    install_hooks(schema, api_world)
    return schema


@pytest.fixture
def sent_credentials(api_world, caller):
    return credentials(api_world, caller)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_answers_hostile_input_without_server_error(case, sent_credentials, app_and_errors):
    """One generated request: never a 5xx; status, content type and body as documented."""
    _app, errors = app_and_errors
    response = case.call(headers=sent_credentials["headers"], cookies=sent_credentials["cookies"])
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}\n{errors.take()}"
    )
    checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
    if response.status_code not in UNDOCUMENTED_BUT_EXPECTED:
        checks.append(status_code_conformance)
    case.validate_response(response, checks=checks)


# -- values no database column takes ------------------------------------------------------

# Integers just past a signed 64-bit integer, both ways, and far past it: SQLite refuses to
# bind them at all, and an OFFSET computed from one overflows on every database.
HUGE_INTEGERS = (2**63, -(2**63) - 1, 10**30)
# Text with a NUL character: PostgreSQL refuses it in any query (here emulated on SQLite).
NUL_TEXT = "a\x00b"
# Half of a UTF-16 pair, which JSON can carry ("\\ud800") and no database can encode.
LONE_SURROGATE = "a\ud800b"


class Form(dict):
    """A request body sent as multipart/form-data."""


def _types(schema: dict) -> set[str]:
    found = {schema["type"]} if "type" in schema else set()
    for option in schema.get("anyOf", []):
        found |= _types(option)
    return found


def _edge_value_requests(world: dict, paths: dict) -> Iterator[tuple[str, str, dict, object]]:
    """(method, url, body, value) for each integer or text path or query parameter of each
    operation set to each edge value, the other path parameters naming real objects, the
    body a valid one (where the world has one), so that the edge value is what is tested."""
    ids = world["ids"]
    for template, operations in paths.items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            path_values = {}
            for param in parameters:
                if param["in"] == "path":
                    assert param["name"] in ids, (
                        f"{template}: name a real object for `{param['name']}` in build_api_world"
                    )
                    path_values[param["name"]] = ids[param["name"]][0]
            for param in parameters:
                types = _types(param["schema"])
                edges = (HUGE_INTEGERS if "integer" in types else ()) + (
                    (NUL_TEXT,) if "string" in types else ()
                )
                for value in edges:
                    values = dict(path_values)
                    query = ""
                    if param["in"] == "path":
                        values[param["name"]] = quote(str(value))
                    else:
                        query = "?" + urlencode({param["name"]: value})
                    url = template.format(**values) + query
                    body = world["bodies"].get(f"{method.upper()} {template}", {})
                    yield method.upper(), url, body, value


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "anonymous"])
def test_api_refuses_values_no_database_column_takes(api_world, caller, app_and_errors):
    """Every integer parameter past 64 bits: never a 500. Every text parameter, and a few
    body fields, holding a NUL character or a lone surrogate: 422 naming the field. Service
    hours of 10^30, or a form where JSON is expected: 400 with the reason. The same on
    SQLite and PostgreSQL.

    The fuzzing above reaches such values now and then; this asks for them every time.
    """
    _app, errors = app_and_errors
    sent = credentials(api_world, caller)
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    for name, value in sent["cookies"].items():
        client.cookies[name] = value
    headers = {f"HTTP_{k.replace('-', '_').upper()}": v for k, v in sent["headers"].items()}
    paths = client.get(SCHEMA_URL).json()["paths"]

    # (method, url, body, the status expected; None: anything but a server error). A dict
    # body goes as JSON, a `Form` as multipart: JSON is what every operation reads, and with
    # a session the CSRF check has read a form body already.
    requests = [
        (method, url, body, 422 if value == NUL_TEXT else None)
        for method, url, body, value in _edge_value_requests(api_world, paths)
    ]
    member_id = api_world["ids"]["member_id"][0]
    hours = {
        "member_id": member_id,
        "activity": "patrol",
        "date": timezone.localdate().isoformat(),
        "hours": "1",
        "description": "防汛巡查",
    }
    requests += [
        ("PATCH", f"/api/v1/members/{member_id}", {"name": NUL_TEXT}, 422),
        ("PATCH", f"/api/v1/members/{member_id}", {"skills": NUL_TEXT}, 422),
        ("PATCH", f"/api/v1/members/{member_id}", {"name": LONE_SURROGATE}, 422),
        ("POST", "/api/v1/hours", {**hours, "description": NUL_TEXT}, 422),
        ("POST", "/api/v1/hours", {**hours, "hours": "1e30"}, 400),
        ("POST", "/api/v1/hours", {**hours, "hours": 1e30}, 400),
        ("POST", "/api/v1/hours", Form(hours), 400),
    ]
    failures = []
    for method, url, body, expected in requests:
        if isinstance(body, Form):
            response = client.post(url, body, **headers)
        else:
            response = client.generic(
                method, url, json.dumps(body), content_type="application/json", **headers
            )
        if response.status_code >= 500:
            failures.append(f"{method} {url} {body!r} → {response.status_code}\n{errors.take()}")
        elif expected is not None and (
            response.status_code != expected or not response.json().get("detail")
        ):
            failures.append(f"{method} {url} {body!r} → {response.status_code}, not {expected}")
    assert len(requests) > 100
    assert not failures, "\n".join(failures)


def test_session_cookie_with_nul_is_not_a_server_error(app_and_errors):
    """An anonymous request whose session cookie holds a NUL character: 401, not 500."""
    _app, errors = app_and_errors
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh" + NUL_TEXT
    response = client.get("/api/v1/me")
    assert response.status_code == 401, errors.take()
