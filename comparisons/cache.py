"""Page caching for anonymous visitors, and its invalidation.

Every cached page's key starts with a version number kept in the cache itself. Publishing a
comparison or finishing a run calls `invalidate_public_pages()`, which bumps the version: every
old key stops being read at once, on every web process sharing the cache, and expires on its own.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

VERSION_KEY = "lockstep:pages:version"
#: Response headers worth keeping with a cached page (the middleware adds the rest again).
KEPT_HEADERS = ("Content-Type", "Content-Language")


def invalidate_public_pages() -> int:
    """Make every cached public page stale; return the new version.

    Called by the services when staff publish a comparison or a run completes.
    """
    try:
        return cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): start a fresh, unique one
        version = time.time_ns()
        cache.set(VERSION_KEY, version, timeout=None)
        return version


def current_version() -> int:
    """Return the version cached pages are stored under (creating it if needed)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        # add(): if another process created it meanwhile, theirs wins.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


def page_key(request, version: int) -> str:
    """Return the cache key of this request's page: path and query string, minus `t`.

    `?t=` is the player's start time, read by its script: the page itself is the same.
    """
    query = request.GET.copy()
    query.pop("t", None)
    full = f"{request.path}?{query.urlencode()}"
    digest = hashlib.sha256(full.encode()).hexdigest()[:32]
    return f"lockstep:page:{version}:{digest}"


def is_cacheable(request) -> bool:
    """Return True for GET/HEAD page views by visitors who are not logged in."""
    if request.method not in ("GET", "HEAD"):
        return False
    # Only look at the session if the browser sent a cookie: an anonymous visitor costs no query.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return not request.user.is_authenticated
    return True


def cached_response(request, version: int) -> HttpResponse | None:
    """Return the page cached for this request under `version`, or None."""
    entry = cache.get(page_key(request, version))
    if entry is None:
        return None
    content, headers = entry
    response = HttpResponse(content, headers=headers)
    response["X-Page-Cache"] = "hit"
    return response


def store(request, response, version: int) -> None:
    """Store a rendered 200 response under the version read before the page was built.

    Using the version from before the database reads means a page built while an invalidation
    happened is stored under the old version and never served as current.
    """
    if response.status_code != 200 or response.has_header("Set-Cookie"):
        return
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    cache.set(page_key(request, version), (response.content, headers), settings.PAGE_CACHE_SECONDS)
    response["X-Page-Cache"] = "miss"


class CachedPageMixin:
    """Serve anonymous GETs of a generic view from the page cache."""

    def dispatch(self, request, *args, **kwargs):
        if not is_cacheable(request):
            return super().dispatch(request, *args, **kwargs)
        version = current_version()
        hit = cached_response(request, version)
        if hit is not None:
            return hit
        response = super().dispatch(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.add_post_render_callback(lambda r: store(request, r, version))
        else:
            store(request, response, version)
        return response
