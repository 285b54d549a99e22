"""Shared set-up of the pipeline benchmarks: a fresh PostgreSQL database, the Redis broker,
fake provider servers on loopback, and real Celery worker processes."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = "lockstep_perf"
PG = os.environ.get("PERF_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BROKER = os.environ.get("PERF_BROKER_URL", "redis://127.0.0.1:6379/6")


def setup_django(work: Path) -> dict[str, str]:
    """Create a fresh database, configure Django on it, migrate; return the worker environment."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(work / "media"),
        "ORIGINALS_ROOT": str(work / "originals"),
        "LOCKSTEP_WORK_DIR": str(work / "work"),
        "MONTHLY_BUDGET_USD": "1000000",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.conftest import purge_queues

    purge_queues()  # every routed queue: app.control.purge() empties only the default one
    return env


def start_worker(env: dict[str, str], log: Path, *, concurrency: int, queues="io,media"):
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
        "-c", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-l", "info",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=open(log, "wb"),  # noqa: SIM115 (the worker keeps it open)
        stderr=subprocess.STDOUT,
    )
    if not wait_until(lambda: b" ready." in log.read_bytes(), timeout=60, interval=0.2):
        raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_until(predicate, *, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
