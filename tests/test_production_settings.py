"""Production settings that bite: the CSP lets media through whatever the storage, a config that
would block media fails a system check, malformed numbers name their variable, Sentry turns on
with SENTRY_DSN, expired sessions are cleared on a schedule."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from api.tasks import clear_expired_sessions
from config.s3 import media_origins
from media_pipeline.checks import media_csp_check
from tests.conftest import ROOT

DUMMY_SECRET = "test-dummy-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def _settings_run(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh process with the production settings and these variables."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "SENTRY_", "MEDIA_"))
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=DUMMY_SECRET,
        ALLOWED_HOSTS="lockstep.example",
        **env,
    )
    prelude = "import django, json; django.setup(); from django.conf import settings\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _csp_and_checks(**env: str) -> dict:
    code = (
        "from django.core.management import call_command\n"
        "from media_pipeline.checks import media_csp_check\n"
        "from django.core.files.storage import storages\n"
        "print(json.dumps({'media': settings.SECURE_CSP['media-src'][1:],"
        " 'img': settings.SECURE_CSP['img-src'][2:],"
        " 'errors': [e.id for e in media_csp_check()],"
        " 'url': storages['default'].url('media/a.mp4')}))"
    )
    result = _settings_run(code, AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "origin"),
    [
        ({"AWS_S3_CUSTOM_DOMAIN": "cdn.lockstep.example"}, "https://cdn.lockstep.example"),
        ({}, "https://lockstep-media.s3.amazonaws.com"),
        ({"AWS_S3_REGION_NAME": "eu-west-1"}, "https://lockstep-media.s3.amazonaws.com"),
        (
            {"AWS_S3_ENDPOINT_URL": "https://acct.r2.cloudflarestorage.com"},
            "https://acct.r2.cloudflarestorage.com",
        ),
        ({"AWS_S3_ENDPOINT_URL": "http://minio:9000"}, "http://minio:9000"),
    ],
    ids=["cdn", "s3", "s3-region", "r2", "minio"],
)
def test_the_csp_lets_through_media_from_every_kind_of_bucket(env, origin):
    found = _csp_and_checks(AWS_STORAGE_BUCKET_NAME="lockstep-media", **env)

    assert found["url"].startswith(origin + "/")
    assert origin in found["media"]
    assert origin in found["img"]
    assert found["errors"] == []


def test_a_bucket_name_with_dots_is_let_through_on_its_regional_host():
    found = _csp_and_checks(
        AWS_STORAGE_BUCKET_NAME="lockstep.media", AWS_S3_REGION_NAME="eu-west-1"
    )

    assert found["url"].startswith("https://s3.eu-west-1.amazonaws.com/")
    assert found["errors"] == []


def test_the_check_fails_on_a_policy_that_would_block_the_storages_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "https://media.elsewhere.example/"},
        },
    }
    settings.SECURE_CSP = {**settings.SECURE_CSP, "media-src": ["'self'"], "img-src": ["'self'"]}

    errors = media_csp_check()

    assert [error.id for error in errors] == ["media_pipeline.E001", "media_pipeline.E001"]
    assert "media-src blocks media" in errors[0].msg
    assert "https://media.elsewhere.example/" in errors[0].msg


def test_an_absolute_media_url_is_let_through():
    assert media_origins(bucket="", custom_domain=None, endpoint_url=None, region=None) == []
    code = "print(json.dumps(settings.SECURE_CSP['media-src']))"
    result = _settings_run(code, MEDIA_URL="https://media.lockstep.example/files/")

    assert "https://media.lockstep.example" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPS_FAILURE_RATE_ALERT", "a fifth"),
        ("POLL_INTERVAL_SCALE", "fast"),
        ("LOCAL_PROVIDER_SPEED", "1,5"),
        ("MONTHLY_BUDGET_USD", "$500"),
        ("PAGE_CACHE_SECONDS", "5m"),
    ],
)
def test_a_malformed_number_in_the_environment_names_its_variable(name, value):
    result = _settings_run("print('started')", **{name: value})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        f"django.core.exceptions.ImproperlyConfigured: {name} must be "
        f"{'an integer' if name == 'PAGE_CACHE_SECONDS' else 'a number'}, not {value!r}."
    )


def test_sentry_is_on_with_a_dsn_and_reports_django_and_celery_errors():
    code = (
        "import sentry_sdk\n"
        "client = sentry_sdk.get_client()\n"
        "print(json.dumps([settings.SENTRY_ENABLED, client.is_active(),"
        " sorted(client.integrations), client.options['send_default_pii']]))"
    )
    result = _settings_run(code, SENTRY_DSN="https://public@sentry.invalid/1")

    enabled, active, integrations, pii = json.loads(result.stdout.splitlines()[-1])
    assert enabled
    assert active
    assert {"django", "celery"} <= set(integrations)
    assert pii is False


def test_sentry_is_off_without_a_dsn():
    code = "import sentry_sdk; print(settings.SENTRY_ENABLED, sentry_sdk.get_client().is_active())"

    assert _settings_run(code).stdout.split() == ["False", "False"]


@pytest.mark.django_db
def test_expired_sessions_are_cleared_on_a_daily_schedule():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]
    assert schedule == {"task": "api.tasks.clear_expired_sessions", "schedule": 24 * 3600.0}
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )

    clear_expired_sessions()

    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]


def test_the_wsgi_app_is_loaded_and_frozen_out_of_the_garbage_collectors_sight():
    # A full collection walked every loaded object: 140-190 ms pauses under load (bench_scale).
    code = (
        "import gc, sys; import config.wsgi\n"
        "print(json.dumps({'frozen': gc.get_freeze_count(), 'thresholds': gc.get_threshold(),"
        " 'views': 'comparisons.views' in sys.modules}))"
    )
    run = _settings_run(code)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout)
    assert loaded["views"]
    assert loaded["frozen"] > 50_000
    # A request's cyclic garbage is collected in the middle generation, not the oldest.
    assert loaded["thresholds"][1] > 10
