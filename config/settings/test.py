"""Tests: base settings made fast. Services come from the environment (CI sets them)."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_float

DATABASES["default"].setdefault("TEST", {})  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
LOCAL_PROVIDER_SPEED = env_float("LOCAL_PROVIDER_SPEED", 0.0)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the source folders: tests don't run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
