"""Production settings: `check --deploy` passes, logs are JSON lines, visitors never see a trace."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "lockstep.example",
        **extra,
    }


def test_check_deploy_passes_with_the_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_logs_are_one_json_object_per_line():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('benchmarks.tasks').warning('Poll failed', "
        "extra={'run_id': 5, 'generation_id': 9})"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=_production_env(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 0, result.stderr
    entry = json.loads(lines[-1])
    assert entry["message"] == "Poll failed"
    assert (entry["run_id"], entry["generation_id"], entry["level"]) == (5, 9, "WARNING")


@pytest.mark.django_db
def test_a_server_error_shows_no_stack_trace(monkeypatch, settings):
    settings.DEBUG = False

    def explode(request=None):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("api.openapi.document", explode)
    response = Client(raise_request_exception=False).get("/api/openapi.json")

    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
