"""Production: everything from base, tightened. Refuses to start on an unsafe configuration."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool, env_int

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if DEBUG and "DEBUG" in os.environ and env_bool("DEBUG"):  # noqa: F405
    raise ImproperlyConfigured("DEBUG must be off in production.")
DEBUG = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The header only consents to preloading; submitting the domain to the list stays a manual step.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)

# Structured logs: one JSON line per event, with run and generation ids (config/logging.py).
LOGGING["formatters"] = {"json": {"()": "config.logging.JsonFormatter"}}  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
# Workers log through the same LOGGING instead of Celery's own text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
