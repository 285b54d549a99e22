"""Benchmark the arena: rating fits by vote count, then votes per second through gunicorn.

Usage:
    .venv/bin/python tests/perf/bench_votes.py [--voters 50] [--votes-each 100] [--workers 3]
        [--fit-only]

The fit part needs nothing but numpy. The vote part creates a fresh PostgreSQL database (see
tests/perf/harness.py), makes a grid of playable clips (models x prompts), starts gunicorn with
the production settings on loopback, and runs the same voters as the load test in `make test`
(threads + httpx, one session each, tokens from the server). It checks that every vote was
accepted and that the table holds exactly one row per vote, and prints votes per second.
"""

import argparse
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.harness import setup_django, wait_until  # noqa: E402


def bench_fit() -> None:
    from arena.ratings import fit

    rng = np.random.default_rng(0)
    for n_models, n_votes in [(10, 1_000), (10, 10_000), (20, 100_000)]:
        strength = rng.normal(0, 150, n_models)
        a = rng.integers(0, n_models, n_votes)
        b = (a + rng.integers(1, n_models, n_votes)) % n_models
        p_a = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 400))
        outcome = np.where(rng.random(n_votes) < p_a, "a", "b")
        rows = list(zip((a + 1).tolist(), (b + 1).tolist(), outcome.tolist(), strict=True))
        started = time.perf_counter()
        fit(rows, rounds=200, seed=1)
        print(f"fit: {n_votes:>7} votes, {n_models} models, 200 resamples: "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_votes(voters: int, votes_each: int, workers: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-votes-"))
    env = setup_django(work)
    from arena.models import Vote
    from tests.arena import voters as crowd
    from tests.arena.conftest import make_grid

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    make_grid(models=6, prompts=max(8, votes_each // 15 + 1))
    port = free_port()
    server_env = {
        **os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-" + "x" * 50, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "STATICFILES_BACKEND":
        "django.contrib.staticfiles.storage.StaticFilesStorage",
    }  # fmt: skip
    # Limits come from settings; production reads none from the environment, so the bench
    # raises them through a settings module of its own.
    settings_dir = work / "settings"
    settings_dir.mkdir()
    (settings_dir / "bench_votes_settings.py").write_text(
        "from config.settings.production import *  # noqa\n"
        "SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False\n"
        f"ARENA_RATE_LIMIT_SESSION = ({votes_each}, 60)\n"
        f"ARENA_RATE_LIMIT_IP = ({voters * votes_each}, 60)\n"
        "ARENA_REFRESH_DELAY = 0\n"
    )
    server_env["DJANGO_SETTINGS_MODULE"] = "bench_votes_settings"
    server_env["PYTHONPATH"] = f"{settings_dir}:{ROOT}"
    log = work / "gunicorn.log"
    with open(log, "wb") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
             "-w", str(workers), "--threads", "8"],
            cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        if not wait_until(lambda: _up(url), timeout=60, interval=0.3):
            print(log.read_text()[-3000:])
            return 1
        started = time.monotonic()
        statuses = crowd.crowd(url, voters, votes_each)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = voters * votes_each
    rows = Vote.objects.count()
    print(f"votes: {total} from {voters} voters, gunicorn {workers} workers x 8 threads: "
          f"{elapsed:.1f} s, {total / elapsed:.0f} votes/s; accepted {statuses.count(201)}, "
          f"rows {rows}")  # fmt: skip
    return 0 if statuses.count(201) == total == rows else 1


def _up(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url + "/arena/leaderboard/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=50)
    parser.add_argument("--votes-each", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--fit-only", action="store_true")
    args = parser.parse_args()
    bench_fit()
    if args.fit_only:
        return 0
    return bench_votes(args.voters, args.votes_each, args.workers)


if __name__ == "__main__":
    sys.exit(main())
