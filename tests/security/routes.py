"""Every route of the project that takes an object id or code, found from the outside.

Three sources, because a route can be declared in three ways:

- the URL configuration (`django.urls.get_resolver()`), walked through every include and
  the language prefixes. A pattern is the project's own when it is declared in one of our
  URLconfs, when its view lives in one of our apps (Wagtail admin hook views), or when it
  belongs to a Wagtail viewset of one of our models (snippets, ModelViewSets). Wagtail's and
  Django's own URLconfs (page, image, document, user administration; document serving) are
  guarded by Wagtail's permission system and are not ours to map.
- the JSON API (django-ninja, `lms.api.api`): each operation of its OpenAPI schema, as
  "METHOD /api/v1/path/{param}". Its URL patterns are skipped in the walk above, since one
  pattern there carries several methods.
- the routes of our routable pages (RoutablePageMixin), as "PageClass:route_name": they are
  served below a page's own URL, so the URL configuration does not list them.

Each is keyed by a stable name: "namespace:url_name" for the URL configuration.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from wagtail.admin.viewsets import viewsets
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page

from lms.api import api

OUR_APPS = ("cms", "courses", "lms", "publicity")
API_NAMESPACE = "api-v1"


@dataclass(frozen=True)
class Route:
    key: str
    route: str
    params: tuple[str, ...]
    view: str


def _ours(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in OUR_APPS


def _view_module(callback) -> str:
    view_class = getattr(callback, "view_class", None)
    target = view_class or callback
    return getattr(target, "__module__", "") or ""


def _view_name(callback) -> str:
    target = getattr(callback, "view_class", None) or callback
    return f"{_view_module(callback)}.{getattr(target, '__qualname__', type(target).__name__)}"


def _source(resolver: URLResolver, parent: str) -> str:
    """The module that declared `resolver`'s patterns (a list inherits its parent's)."""
    urlconf = resolver.urlconf_name
    if isinstance(urlconf, str):
        return urlconf
    if isinstance(urlconf, (list, tuple)):
        return parent
    return getattr(urlconf, "__name__", parent)


def _params(pattern) -> tuple[str, ...]:
    regex = pattern.regex
    named = tuple(regex.groupindex)
    return named + ("?",) * (regex.groups - len(named))


def our_viewset_namespaces() -> set[str]:
    """URL namespaces of the Wagtail viewsets (snippets, ModelViewSets, choosers) whose model
    belongs to one of our apps."""
    # Wagtail registers its viewsets while its admin URLconf is loaded.
    if not get_resolver().url_patterns:
        return set()
    found = set()
    for viewset in viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if isinstance(model, str):
            model = apps.get_model(model)
        if model is not None and model._meta.app_label in OUR_APPS:
            found.add(viewset.url_namespace)
    return found


def _walk(patterns, *, prefix="", namespace="", params=(), source="cms.urls"):
    for pattern in patterns:
        here = params + _params(pattern.pattern)
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(
                pattern.url_patterns,
                prefix=text,
                namespace=inner,
                params=here,
                source=_source(pattern, source),
            )
        elif isinstance(pattern, URLPattern):
            yield pattern, text, namespace, here, source


def url_conf_routes() -> list[Route]:
    """Our id-taking routes in the URL configuration (the API's excepted)."""
    namespaces = our_viewset_namespaces()
    found = []
    for pattern, text, namespace, params, source in _walk(get_resolver().url_patterns):
        if not params or namespace.startswith(f"{API_NAMESPACE}:"):
            continue
        module = _view_module(pattern.callback)
        if not (_ours(source) or _ours(module) or namespace.rstrip(":") in namespaces):
            continue
        key = f"{namespace}{pattern.name}" if pattern.name else text
        found.append(Route(key, text, params, _view_name(pattern.callback)))
    return found


def api_routes() -> list[Route]:
    """Each operation of the JSON API that has a path parameter."""
    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            params = tuple(
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"
            )
            if params:
                key = f"{method.upper()} {path}"
                found.append(Route(key, path, params, operation.get("operationId", "")))
    return found


def routable_page_routes() -> list[Route]:
    """The sub-routes with parameters of our routable page models."""
    found = []
    for model in apps.get_models():
        if not (
            issubclass(model, Page)
            and issubclass(model, RoutablePageMixin)
            and model._meta.app_label in OUR_APPS
        ):
            continue
        for pattern in model.get_subpage_urls():
            params = _params(pattern.pattern)
            if params:
                key = f"{model.__name__}:{pattern.name}"
                found.append(Route(key, str(pattern.pattern), params, _view_name(pattern.callback)))
    return found


def id_taking_routes() -> dict[str, Route]:
    routes = [*url_conf_routes(), *api_routes(), *routable_page_routes()]
    by_key = {route.key: route for route in routes}
    duplicates = sorted({r.key for r in routes} - set(by_key)) or [
        r.key for r in routes if sum(x.key == r.key for x in routes) > 1
    ]
    assert not duplicates, f"two routes share a key: {duplicates}"
    return by_key
