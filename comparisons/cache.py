"""Page caching for anonymous visitors, and its invalidation.

Public pages (views using `CachedPageMixin`) are stored whole, headers included, by
`PageCacheMiddleware`, which sits right after WhiteNoise: a hit skips sessions, CSRF, URL
resolving and the view, so a cached page costs about what a static file costs.

Invalidation is a version number kept in the shared cache (Redis in production). Each stored page
records the version it was built under; `invalidate_public_pages()` bumps the version, and from
then on every older page is a miss, on every web process.

Each process also keeps the pages it served recently, and re-reads the shared version at most
every VERSION_TTL seconds, so most hits cost no round trip at all. The price: another process's
invalidation reaches this one up to VERSION_TTL later (this process's own is immediate).
"""

import hashlib
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

VERSION_KEY = "lockstep:pages:version"
#: Seconds a process trusts the version it last read from the shared cache.
VERSION_TTL = 1.0
#: Pages each process keeps in memory (the most recently served ones).
LOCAL_PAGES = 256
#: Headers a cached page does not replay: they belong to one response, not to the page.
SKIPPED_HEADERS = {"set-cookie", "date", "x-page-cache"}

_lock = threading.Lock()
_local_pages: OrderedDict[str, tuple] = OrderedDict()
_local_version: list = [None, 0.0]  # [version, monotonic time read]


def invalidate_public_pages() -> int:
    """Make every cached public page stale; return the new version.

    Called (through signals) when staff publish a comparison or a run completes.
    """
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): start a fresh, unique one
        version = time.time_ns()
        cache.set(VERSION_KEY, version, timeout=None)
    _remember_version(version)
    return version


def _remember_version(version: int) -> None:
    _local_version[:] = [version, time.monotonic()]


def current_version() -> int:
    """Return the version pages are stored under: the shared one, re-read every VERSION_TTL."""
    version, read_at = _local_version
    if version is not None and time.monotonic() - read_at < VERSION_TTL:
        return version
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        # add(): if another process created it meanwhile, theirs wins.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    _remember_version(version)
    return version


def page_key(request) -> str:
    """Return the cache key of this request's page: path and query string, minus `t`.

    `?t=` is the player's start time, read by its script: the page itself is the same.
    """
    query = request.GET.copy()
    query.pop("t", None)
    full = f"{request.path}?{query.urlencode()}"
    return "lockstep:page:" + hashlib.sha256(full.encode()).hexdigest()[:32]


def is_cacheable(request) -> bool:
    """Return True for GET requests without a session: anonymous visitors.

    A visitor with a session cookie (staff, mostly) always gets a freshly built page; checking
    who they are would cost a query on every hit.
    """
    return request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES


def _keep_local(key: str, entry: tuple) -> None:
    expires = time.monotonic() + settings.PAGE_CACHE_SECONDS
    with _lock:
        _local_pages[key] = (entry, expires)
        _local_pages.move_to_end(key)
        while len(_local_pages) > LOCAL_PAGES:
            _local_pages.popitem(last=False)


def clear_local() -> None:
    """Forget this process's copies and version (tests start from a clean slate)."""
    with _lock:
        _local_pages.clear()
    _local_version[:] = [None, 0.0]


def lookup(request) -> tuple[int, HttpResponse | None]:
    """Return (current version, the cached page or None)."""
    version = current_version()
    key = page_key(request)
    entry, expires = _local_pages.get(key, (None, 0.0))
    if entry is None or entry[0] != version or expires < time.monotonic():
        entry = cache.get(key)
        if entry is None or entry[0] != version:
            return version, None
        _keep_local(key, entry)
    _, content, headers = entry
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return version, response


def store(request, response, version: int) -> None:
    """Store a finished 200 response under the version read before the page was built.

    Using the version from before the database reads means a page built while an invalidation
    happened is stored as already stale and never served as current.
    """
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    headers = [(k, v) for k, v in response.items() if k.lower() not in SKIPPED_HEADERS]
    entry = (version, response.content, headers)
    key = page_key(request)
    cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
    _keep_local(key, entry)
    response["X-Page-Cache"] = "miss"


class PageCacheMiddleware:
    """Serve and store the pages of views that opted in with `CachedPageMixin`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable(request):
            return self.get_response(request)
        version, hit = lookup(request)
        if hit is not None:
            return hit
        response = self.get_response(request)
        if getattr(response, "page_cache", False):
            store(request, response, version)
        return response


class CachedPageMixin:
    """Let PageCacheMiddleware cache this generic view's pages for anonymous visitors."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.page_cache = True
        return response
