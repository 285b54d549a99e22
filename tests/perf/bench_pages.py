"""Load test: the comparison page against a static file of the same size, same gunicorn.

Usage:
    .venv/bin/python tests/perf/bench_pages.py [--database-url URL] [--seconds 20]
        [--connections 50] [--workers 3] [--cache redis|locmem]

Starts gunicorn with the production settings (SECRET_KEY, DEBUG=0, ALLOWED_HOSTS,
SECURE_SSL_REDIRECT=0) on loopback. Without --database-url it creates a fresh PostgreSQL
database and seeds it with `seed_demo` (real synthetic clips through the pipeline). Static files
are collected into a temporary directory (whitenoise manifest storage, as in production); a file
exactly as large as the comparison page is written there and served by the same whitenoise.

Load comes from wrk when installed (`apt-get install -y wrk`), else from a bounded asyncio
generator in this file. Prints requests per second for both and the ratio (target >= 0.5), and
exits non-zero if the target is missed or any request failed.
"""

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG = os.environ.get("PERF_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "lockstep_pages_perf"
REDIS_CACHE = os.environ.get("PERF_REDIS_CACHE", "redis://127.0.0.1:6379/9")
TARGET_RATIO = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database() -> str:
    """Create an empty PostgreSQL database for the run; return its URL."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{PG}/{DB_NAME}"


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=1800
    )


class Gunicorn:
    """gunicorn serving config.wsgi with the production settings on a loopback port."""

    def __init__(self, env: dict, workers: int, log: Path):
        self.env, self.workers, self.log = env, workers, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        cmd = [
            str(BIN / "gunicorn"), "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--backlog", "2048", "--log-level", "warning",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=5).read()
                return self
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"gunicorn answers {exc.code}: {self.log}") from None
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def get(self, path: str):
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return response.read(), response.headers


def first_comparison(server: Gunicorn) -> str:
    body, _ = server.get("/")
    match = re.search(rb'href="(/compare/[^"]+/)"', body)
    if not match:
        raise SystemExit("No published comparison on the home page: seed the database first.")
    return match.group(1).decode()


def run_wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    p99 = re.search(r"Latency Distribution[\s\S]*?\s99%\s+(\S+)", out)
    return {"rps": rps, "requests": total, "errors": errors, "p99": p99.group(1) if p99 else "?"}


async def _client(host, port, path, stop_at, counts):
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n"
    reader = writer = None
    while time.monotonic() < stop_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            counts["ok" if status == 200 else "errors"] += 1
            if re.search(rb"(?i)connection:\s*close", head):
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, AttributeError, ValueError):
            counts["errors"] += 1
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


def run_python_load(url: str, seconds: int, connections: int) -> dict:
    """A bounded load generator: `connections` clients on loopback for `seconds`."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    counts = {"ok": 0, "errors": 0}

    async def main():
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(_client(host, port, path, stop_at, counts) for _ in range(connections))
        )

    started = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - started
    total = counts["ok"] + counts["errors"]
    return {
        "rps": counts["ok"] / elapsed,
        "requests": total,
        "errors": counts["errors"],
        "p99": "?",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="", help="a seeded database (default: seed one)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--cache", choices=["redis", "locmem"], default="redis")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lockstep-bench-pages-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-pages-not-a-secret-" + "x" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOCKSTEP_VAR_DIR": str(work),
        "DATABASE_URL": args.database_url or fresh_database(),
        "LOG_LEVEL": "WARNING",
        "LOCAL_PROVIDER_SPEED": "0",
        "CELERY_BROKER_URL": "memory://",
    }
    if args.cache == "redis":
        env["REDIS_URL"] = REDIS_CACHE
    else:
        env.pop("REDIS_URL", None)
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        if not args.database_url:
            print("Seeding a fresh database with seed_demo (renders synthetic clips)…", flush=True)
            manage(env, "seed_demo", "--runs", "1")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        if args.cache == "redis":
            import redis

            redis.Redis.from_url(REDIS_CACHE).flushdb()

        log = work / "gunicorn.log"
        with Gunicorn(env, args.workers, log) as server:
            page = first_comparison(server)
            body, _ = server.get(page)
        # Whitenoise indexes STATIC_ROOT when it starts: write the twin file, then start again.
        twin = work / "static" / "bench" / "same-size.html"
        twin.parent.mkdir(parents=True, exist_ok=True)
        twin.write_bytes(body)
        tool = args.tool
        if tool == "auto":
            tool = "wrk" if shutil.which("wrk") else "python"
        load = run_wrk if tool == "wrk" else run_python_load

        with Gunicorn(env, args.workers, log) as server:
            static_body, _ = server.get("/static/bench/same-size.html")
            assert len(static_body) == len(body), "the static twin must be the page's size"
            for _ in range(args.workers * 4):  # every worker renders and caches the page once
                server.get(page)
            _, headers = server.get(page)
            print(
                f"gunicorn: {args.workers} sync workers, production settings, "
                f"{args.cache} cache; load: {tool}, {args.connections} connections, "
                f"{args.seconds} s each"
            )
            print(f"page {page}: {len(body)} bytes, X-Page-Cache: {headers.get('X-Page-Cache')}")
            static = load(
                server.base + "/static/bench/same-size.html", args.seconds, args.connections
            )
            dynamic = load(server.base + page, args.seconds, args.connections)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ratio = dynamic["rps"] / static["rps"] if static["rps"] else 0.0
    print(f"static file : {static['rps']:9.1f} req/s  ({static['requests']} requests, "
          f"{static['errors']} errors, p99 {static['p99']})")  # fmt: skip
    print(f"comparison  : {dynamic['rps']:9.1f} req/s  ({dynamic['requests']} requests, "
          f"{dynamic['errors']} errors, p99 {dynamic['p99']})")  # fmt: skip
    print(f"ratio       : {ratio:.2f} (target >= {TARGET_RATIO})")
    ok = ratio >= TARGET_RATIO and not static["errors"] and not dynamic["errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
