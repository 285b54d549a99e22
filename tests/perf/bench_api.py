"""Benchmark the api app: status reads, submissions, /metrics, the ops page, and the export.

Usage:
    .venv/bin/python tests/perf/bench_api.py [--runs 500] [--more 1500]

Creates a fresh PostgreSQL database (`lockstep_api_perf`, see tests/perf/harness.py), fills it
with published runs of three complete clips each (timestamps, costs, quality reports, votes), and
times requests through Django's in-process client (no network). The export is streamed at two
database sizes with tracemalloc on, to show its memory does not grow with the number of runs.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf import harness  # noqa: E402

harness.DB_NAME = "lockstep_api_perf"
os.environ.setdefault("PERF_BROKER_URL", "redis://127.0.0.1:6379/9")
harness.BROKER = os.environ["PERF_BROKER_URL"]
MODELS = ("local-smooth", "local-flicker", "local-frozen")


def seed(count: int, start: int) -> None:
    """Add `count` published runs of three complete clips each."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from benchmarks.models import BenchmarkRun, Generation, Prompt, QualityReport, VideoModel
    from comparisons.models import Comparison

    models = list(VideoModel.objects.filter(slug__in=MODELS))
    now = timezone.now() - timedelta(hours=2)
    prompts = Prompt.objects.bulk_create(
        Prompt(slug=f"p{i}", title=f"P{i}", text="A kite", category="scene")
        for i in range(start, start + count)
    )
    runs = BenchmarkRun.objects.bulk_create(
        BenchmarkRun(prompt=p, idempotency_key=f"perf-{p.slug}", state="complete", finished_at=now)
        for p in prompts
    )
    second = timedelta(seconds=1)
    generations = Generation.objects.bulk_create(
        Generation(
            run=run, video_model=model, state="complete", estimated_cost=Decimal("0.25"),
            queued_at=now, submitting_at=now + second, submitted_at=now + 2 * second,
            downloading_at=now + 60 * second, transcoding_at=now + 62 * second,
            scoring_at=now + 70 * second, completed_at=now + 72 * second,
        )
        for run in runs for model in models
    )  # fmt: skip
    QualityReport.objects.bulk_create(
        QualityReport(
            generation=g, algorithm_version="1", mean_coherence=0.9, min_coherence=0.8,
            std_coherence=0.02, frame_count=40,
        )
        for g in generations
    )  # fmt: skip
    comparisons = Comparison.objects.bulk_create(
        Comparison(slug=f"c-{r.pk}", title="c", prompt=r.prompt, run=r, published=True,
                   published_at=now)
        for r in runs
    )  # fmt: skip
    through = Comparison.generations.through
    by_run = {c.run_id: c for c in comparisons}
    through.objects.bulk_create(
        through(comparison_id=by_run[g.run_id].pk, generation_id=g.pk) for g in generations
    )


def timed(label: str, fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    median = statistics.median(samples)
    print(f"{label:<42} median {median:8.1f} ms  (n={repeat}, max {max(samples):.1f})")
    return median


def export_peak(client) -> tuple[float, float, int]:
    """Stream the CSV export; return (seconds, peak MiB allocated while streaming, bytes).

    The time is of a run without tracemalloc, which slows Python down several times.
    """
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in client.get("/api/v1/export/runs.csv").streaming_content)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    for _chunk in client.get("/api/v1/export/runs.csv").streaming_content:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1024**2, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--more", type=int, default=1500)
    args = parser.parse_args()
    harness.setup_django(Path(tempfile.mkdtemp(prefix="bench-api-")))

    from django.conf import settings
    from django.test import Client

    from api.models import ApiToken
    from benchmarks.services.catalog import catalog_sync
    from tests.factories import UserFactory

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False  # with DEBUG on, every query is kept in memory: not what we measure
    settings.METRICS_TOKEN = "bench"
    catalog_sync()
    seed(args.runs, 0)
    user = UserFactory(is_staff=True, is_superuser=True)
    _, raw = ApiToken.issue(user=user, name="bench")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    staff = Client()
    staff.force_login(user)
    from benchmarks.models import BenchmarkRun

    run_id = BenchmarkRun.objects.values_list("pk", flat=True).first()
    print(f"{args.runs} published runs, {3 * args.runs} clips")
    timed("GET /api/v1/runs/<id> (3 clips)", lambda: api.get(f"/api/v1/runs/{run_id}"), 200)
    keys = iter(range(10**6))
    timed(
        "POST /api/v1/runs (1 model, new key)",
        lambda: api.post(
            "/api/v1/runs", {"prompt": "A kite", "models": ["local-smooth"]},
            content_type="application/json", headers={"Idempotency-Key": f"k{next(keys)}"},
        ),
        50,
    )  # fmt: skip
    timed(
        "POST /api/v1/runs (replayed key)",
        lambda: api.post(
            "/api/v1/runs", {"prompt": "A kite", "models": ["local-smooth"]},
            content_type="application/json", headers={"Idempotency-Key": "k0"},
        ),
        50,
    )  # fmt: skip
    timed(
        "GET /metrics", lambda: api.get("/metrics", headers={"Authorization": "Bearer bench"}), 10
    )
    timed("GET /ops/", lambda: staff.get("/ops/"), 10)
    small = export_peak(Client())
    print(f"export CSV, {args.runs} runs: {small[0]:.2f} s, {small[2] / 1024:.0f} KiB, "
          f"peak {small[1]:.1f} MiB")  # fmt: skip
    seed(args.more, args.runs)
    total = args.runs + args.more
    timed(
        f"GET /metrics ({total} runs)",
        lambda: api.get("/metrics", headers={"Authorization": "Bearer bench"}),
        10,
    )  # noqa: E501
    big = export_peak(Client())
    print(
        f"export CSV, {total} runs: {big[0]:.2f} s, {big[2] / 1024:.0f} KiB, peak {big[1]:.1f} MiB"
    )
    from tests.conftest import purge_queues

    purge_queues()  # every routed queue: app.control.purge() empties only the default one


if __name__ == "__main__":
    main()
