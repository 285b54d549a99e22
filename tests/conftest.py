"""Shared fixtures: media on a temporary disk for every test, a real Celery worker on demand."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_arena_draw():
    """Every process keeps its arena pair draw (arena.services._draws): start each test with none,
    not one of another test's clips."""
    from arena import services

    services._draws.clear()


@pytest.fixture(autouse=True)
def media_dirs(tmp_path, settings):
    """Keep every file a test writes (media, originals, scratch, local jobs) under tmp_path."""
    media, originals, work = tmp_path / "media", tmp_path / "originals", tmp_path / "work"
    for path in (media, originals, work):
        path.mkdir()
    settings.MEDIA_ROOT = media
    settings.ORIGINALS_ROOT = originals
    settings.WORK_DIR = work
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": "/media/"},
        },
        "originals": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": originals, "base_url": "/originals/"},
        },
    }
    return tmp_path


def _require_broker() -> str:
    url = django_settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        pytest.fail(
            "This test runs a real Celery worker and needs a Redis broker: "
            "set CELERY_BROKER_URL (make test does)."
        )
    return url


class WorkerProcess:
    """A real `celery worker` process sharing the test database and media directories."""

    def __init__(self, env: dict[str, str], queues: str, concurrency: int):
        self.env, self.queues, self.concurrency = env, queues, concurrency
        self.proc: subprocess.Popen | None = None
        self.log = Path(env["LOCKSTEP_WORK_DIR"]) / f"worker-{time.monotonic_ns()}.log"

    def start(self) -> "WorkerProcess":
        cmd = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-Q", self.queues, "-c", str(self.concurrency), "-P", "prefork",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
        ]  # fmt: skip
        self._log_fh = open(self.log, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self._log_fh, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: no cleanup, no acks."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_fh.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def worker_env(media_dirs, settings):
    """Environment for worker processes: the test database, this test's media, the broker."""
    _require_broker()
    db = django_settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ORIGINALS_ROOT": str(settings.ORIGINALS_ROOT),
        "LOCKSTEP_WORK_DIR": str(settings.WORK_DIR),
        "LOCAL_PROVIDER_SPEED": "0",
    }


def purge_queues() -> None:
    """Empty every queue tasks are routed to. `app.control.purge()` empties only the default
    queue (`io`): ratings refreshes queued to `media` by an earlier test (votes through a live
    server) outlived it, and a later test's worker fitted them as a second fit."""
    from config.celery_app import app

    queues = {django_settings.CELERY_TASK_DEFAULT_QUEUE}
    queues |= {route["queue"] for route in django_settings.CELERY_TASK_ROUTES.values()}
    with app.connection_for_write() as connection:
        for queue in sorted(queues):
            connection.default_channel.queue_purge(queue)


@pytest.fixture
def start_worker(worker_env):
    """Return a function that starts a worker; every worker is stopped after the test."""
    purge_queues()
    workers: list[WorkerProcess] = []

    def start(*, queues: str = "io,media", concurrency: int = 2, **env) -> WorkerProcess:
        worker = WorkerProcess({**worker_env, **env}, queues, concurrency).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    purge_queues()


def wait_for(predicate, *, timeout: float, interval: float = 0.2, message: str = ""):
    """Poll `predicate` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message or f"Condition not met within {timeout} s")
