"""`/healthz` for load balancers and orchestrators: 200 when everything a request needs answers.

Checks the database, the cache, the Celery broker and the media storage, each with a short
timeout. A failure answers 503 and names the failing part (`{"failing": ["broker"]}`); the reason
goes to the log, never into the body, since driver errors can quote URLs with passwords.

It is answered by a middleware placed first, so it skips the HTTPS redirect, the page cache,
sessions and the `ALLOWED_HOSTS` check: a balancer probing `http://10.0.0.5:8000/healthz` by
address gets an answer, not a redirect or a 400.
"""

import logging
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.files.storage.filesystem import FileSystemStorage
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

PATH = "/healthz"
#: Seconds each check may take before it counts as failing.
TIMEOUT = 3.0
CACHE_KEY = "lockstep:healthz"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    token = str(time.time_ns())
    cache.set(CACHE_KEY, token, timeout=30)
    if cache.get(CACHE_KEY) != token:
        raise RuntimeError("the cache did not return what was stored")


def check_broker() -> None:
    from config.celery_app import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT)


def check_media_storage() -> None:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        os.makedirs(storage.location, exist_ok=True)  # as the first saved file would
        if not os.access(storage.location, os.W_OK):
            raise RuntimeError(f"media folder {storage.location} is read-only")
        return
    # S3 (django-storages): one HEAD request; raises when the bucket is missing or unreachable.
    storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "media_storage": check_media_storage,
}


def health_status() -> dict[str, str]:
    """Return {check name: "ok" or "failing"}, running every check even after a failure."""
    status = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("healthz: %s is failing", name)
            status[name] = "failing"
        else:
            status[name] = "ok"
    return status


def health_response() -> JsonResponse:
    status = health_status()
    failing = [name for name, state in status.items() if state != "ok"]
    body = {"status": "failing" if failing else "ok", "failing": failing, "checks": status}
    response = JsonResponse(body, status=503 if failing else 200)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer GET/HEAD `/healthz` before any other middleware sees the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == PATH and request.method in ("GET", "HEAD"):
            return health_response()
        return self.get_response(request)
