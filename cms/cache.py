"""Whole-page caching of the public site for anonymous visitors.

Anonymous GETs of Wagtail pages are cached per path and query string (one site).
Publishing, unpublishing, moving or deleting a page clears it, its ancestors
(whose listings show it) and its siblings (whose "related" panels may show it);
saving site settings clears everything, since every page shows them.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control

GENERATION_KEY = "pagecache:generation"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY) or 1
    return generation


def language_variants(path: str) -> list[str]:
    """A public path as served without a language prefix and under every language's prefix
    (/articles/x/, /en/articles/x/, /za/articles/x/): what to purge when the page changes."""
    bare = path
    for code, _name in settings.LANGUAGES:
        if path.startswith(f"/{code}/"):
            bare = path[len(code) + 1 :]
    return [bare, *(f"/{code}{bare}" for code, _name in settings.LANGUAGES)]


def cache_key(path: str, query: str = "") -> str:
    digest = hashlib.sha1(f"{path}|{query}".encode()).hexdigest()
    return f"pagecache:{_generation()}:{digest}"


def _path_key(path: str) -> str:
    # Index of the query-string variants cached for one path, so a purge reaches them all.
    digest = hashlib.sha1(path.encode()).hexdigest()
    return f"pagecache:variants:{_generation()}:{digest}"


def _cacheable_request(request) -> bool:
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


def _cacheable_response(response) -> bool:
    if response.status_code != 200 or response.cookies or response.streaming:
        return False
    vary = response.get("Vary", "")
    return "Cookie" not in vary


def cache_public_page(view):
    """Decorate Wagtail's serve view with the anonymous page cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        query = request.META.get("QUERY_STRING", "")
        key = cache_key(request.path, query)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _cacheable_response(response):
            patch_cache_control(response, public=True, max_age=60)
            # The page's <script nonce>: cms.csp swaps in each later visitor's own nonce.
            response.csp_cached_nonce = getattr(request, "_csp_nonce", None)
            cache.set(key, response, settings.PUBLIC_PAGE_CACHE_SECONDS)
            variants_key = _path_key(request.path)
            variants = cache.get(variants_key) or set()
            variants.add(query)
            cache.set(variants_key, variants, settings.PUBLIC_PAGE_CACHE_SECONDS)
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper


def purge_paths(paths: list[str]) -> None:
    """Forget the cached copies of the given paths, with every query string."""
    keys = []
    for path in paths:
        variants_key = _path_key(path)
        keys.extend(cache_key(path, query) for query in cache.get(variants_key) or {""})
        keys.append(variants_key)
    cache.delete_many(keys)


def purge_all() -> None:
    """Make every cached page stale at once (by moving to a new key generation)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)
