"""Does the site stay flat as the data grows? Fill PostgreSQL with synthetic rows at several sizes
and measure, uncached, each public page's p50/p95, the ratings refit, and each export's time and
peak memory.

    .venv/bin/python -m tests.perf.bench_scale --unit 0.01 --sizes 1,10,100

Size 1× is the issue's year of data times `--unit`: 300 models, 20,000 prompts each with one
published comparison, 200,000 generations (10 per run) each with a quality report and a file,
1,000,000 arena votes; plus a tenth more runs never published, as staff test runs are (the
public rule must not make a page pay for them). Rows are made in the database by INSERT …
SELECT over generate_series (no media files), so a size takes seconds, not minutes.

Each size lives in a process of its own on a database of its own (`BENCH_DATABASE`_<size>x,
default lockstep_ops_scale_<size>x, dropped and made anew), filled one after the other. The
pages are then asked of every size in turn, request by request, so that the machine's noise
falls on all sizes alike and their ratios hold; the exports and the refit come after, a size at
a time.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("PERF_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DATABASE", "lockstep_ops_scale")

BASE = {"models": 300, "prompts": 20_000, "per_run": 10, "votes": 1_000_000}
CATEGORIES = ["scene", "camera", "motion", "physics", "text", "style"]


def setup_django(name: str = DB_NAME) -> None:
    """Make database `name` anew and set Django up on it, as production loads the app."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"{PG}/{name}",
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "memory://"),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Uncached: every request builds its page, and the arena samples anew.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False  # as in production: no query log growing with every query
    call_command("migrate", verbosity=0)
    import config.wsgi  # noqa: F401  the app as production loads it (its heap frozen)


def sizes_of(multiple: float, unit: float) -> dict[str, int]:
    from comparisons.views import LeaderboardView

    scale = multiple * unit
    return {
        # At least a leaderboard page of models at every size, as in the issue's year (300):
        # pages list at most a page of models, and a smaller catalogue would measure a page
        # with fewer rows, not a site with less data.
        "models": max(LeaderboardView.rows_per_page, round(BASE["models"] * scale)),
        "prompts": max(20, round(BASE["prompts"] * scale)),
        "per_run": BASE["per_run"],
        "votes": max(100, round(BASE["votes"] * scale)),
    }


FILL = [
    # A synthetic fill is consistent by construction: skip foreign-key checks and the summary
    # triggers (comparisons.summary), then drop every summary: the first render computes them.
    "SET session_replication_role = replica",
    "TRUNCATE comparisons_modelsummary, benchmarks_provider, benchmarks_videomodel, "
    "benchmarks_price, benchmarks_prompt, "
    "benchmarks_benchmarkrun, benchmarks_generation, benchmarks_qualityreport, "
    "benchmarks_videoasset, comparisons_comparison, comparisons_comparison_generations, "
    "arena_vote, arena_rating, arena_ratingfit CASCADE",
    """INSERT INTO benchmarks_provider (id, slug, name, website)
       SELECT i, 'provider-' || i, 'Provider ' || i, '' FROM generate_series(1, 10) i""",
    """INSERT INTO benchmarks_videomodel (id, slug, display_name, plugin_key, model_id,
         capabilities, lifecycle, synthetic, staff_notes, provider_id, workflow)
       SELECT i, 'model-' || i, 'Model ' || i, 'local-smooth', '', '{}', 'active', false, '',
         1 + i %% 10, '{}' FROM generate_series(1, %(models)s) i""",
    """INSERT INTO benchmarks_price (amount, unit, resolution, valid_from, source, video_model_id)
       SELECT 0.05 + (i %% 7) * 0.01, 'second', '', now() - interval '400 days', '', i
       FROM generate_series(1, %(models)s) i""",
    """INSERT INTO benchmarks_prompt (id, slug, title, text, negative_prompt, category,
         reference_image, duration, aspect_ratio, staff_notes, published, created_at, audio,
         camera_motion, camera_text, end_image)
       SELECT i, 'prompt-' || i, 'Prompt ' || i, 'A synthetic prompt number ' || i, '',
         (ARRAY%(categories)s)[1 + i %% 6], '', 5, '16:9', '', true,
         now() - (i %% 365) * interval '1 day', '', '', '', ''
       FROM generate_series(1, %(prompts)s) i""",
    # Runs 1..prompts are published, one per prompt; the tenth more after them are staff test
    # runs of the same prompts, never published.
    """INSERT INTO benchmarks_benchmarkrun (id, trigger, idempotency_key, state, duration,
         aspect_ratio, resolution, created_at, finished_at, prompt_id, audio, camera_motion,
         camera_text, end_image, samples)
       SELECT i, 'staff', 'bench:' || i, 'complete', 5, '16:9', '',
         now() - (i %% 365) * interval '1 day', now() - (i %% 365) * interval '1 day',
         1 + (i - 1) %% %(prompts)s, '', '', '', '', 1
       FROM generate_series(1, %(prompts)s + %(prompts)s / 10) i""",
    # Run i uses models i, i+1, … (per_run of them, wrapping): every model gets its share.
    """INSERT INTO benchmarks_generation (id, reference, state, error_kind, error_message,
         attempts, provider_job_id, request_sent, model_version, polls, estimated_cost,
         actual_cost, queued_at, submitted_at, downloading_at, completed_at, failed_at,
         updated_at, run_id, video_model_id, prior_attempts_cost, billing_policy, outcome_unknown,
         provider_failed, sample, tagged_unusable, gpu_time_source)
       SELECT g, gen_random_uuid(), CASE WHEN g %% 10 = 0 THEN 'failed' ELSE 'complete' END,
         CASE WHEN g %% 10 = 0 THEN 'permanent' ELSE '' END, '', 1, 'job-' || g, '{}', '', 3,
         0.30, CASE WHEN g %% 3 = 0 THEN NULL ELSE 0.25 + (g %% 5) * 0.05 END,
         r.created_at, r.created_at, r.created_at + (30 + g %% 300) * interval '1 second',
         r.created_at + interval '10 minutes',
         CASE WHEN g %% 10 = 0 THEN r.created_at + interval '5 minutes' END,
         r.created_at, r.id, 1 + (r.id + k) %% %(models)s, 0, '', false, false, 0, false, ''
       FROM benchmarks_benchmarkrun r, generate_series(0, %(per_run)s - 1) k,
         LATERAL (SELECT (r.id - 1) * %(per_run)s + k + 1 AS g) n""",
    """INSERT INTO benchmarks_qualityreport (algorithm_version, sample_rate, mean_coherence,
         min_coherence, std_coherence, frame_count, flicker_score, flicker_spikes, motion_mean,
         frozen_fraction, black_fraction, sharpness, series, created_at, generation_id)
       SELECT 'v2', 1, 0.80 + (id %% 19) * 0.01, 0.5, 0.05, 120, 0.01 * (id %% 7), '[]',
         0.1 * (id %% 5), 0.001 * (id %% 11), 0, 100, '[]', updated_at, id
       FROM benchmarks_generation WHERE state = 'complete'""",
    """INSERT INTO benchmarks_videoasset (tier, key, content_type, width, height, fps, duration,
         codec, bitrate, size_bytes, sha256, created_at, generation_id, has_audio)
       SELECT t.tier, 'media/' || md5(id::text || t.tier) || '.mp4', 'video/mp4', 1280, 720,
         24, 5, 'h264', 2000000, 1250000, md5(id::text || t.tier), updated_at, id, false
       FROM benchmarks_generation, (VALUES ('standard'), ('poster')) t(tier)
       WHERE state = 'complete'""",
    """INSERT INTO comparisons_comparison (id, slug, title, published, published_at, featured,
         created_at, prompt_id, run_id, share_image)
       SELECT id, 'prompt-' || id || '-run', 'Prompt ' || id, id <= %(prompts)s,
         CASE WHEN id <= %(prompts)s THEN created_at END, id <= 3, created_at, prompt_id, id, ''
       FROM benchmarks_benchmarkrun""",
    """INSERT INTO comparisons_comparison_generations (comparison_id, generation_id)
       SELECT run_id, id FROM benchmarks_generation WHERE state = 'complete'""",
    # Votes between two complete clips of one run (a, then the next generation id).
    """INSERT INTO arena_vote (pool, category, outcome, a_on_left, nonce, voter_hash, ip_hash,
         voided, created_at, generation_a_id, generation_b_id, model_a_id, model_b_id,
         prompt_id, reason, reviewed)
       SELECT 't2v', p.category, (ARRAY['a', 'b', 'tie', 'both_bad'])[1 + v %% 4], v %% 2 = 0,
         md5('n' || v), md5('voter' || v), md5('ip' || v %% 5000), false,
         now() - (v %% 365) * interval '1 day', ga.id, gb.id, ga.video_model_id,
         gb.video_model_id, r.prompt_id, '', false
       FROM generate_series(1, %(votes)s) v
       JOIN benchmarks_benchmarkrun r ON r.id = 1 + v %% %(prompts)s
       JOIN benchmarks_prompt p ON p.id = r.prompt_id
       JOIN benchmarks_generation ga
         ON ga.id = (r.id - 1) * %(per_run)s + 1 + (v / %(prompts)s) %% 8
       JOIN benchmarks_generation gb ON gb.id = ga.id + 1
       WHERE ga.state = 'complete' AND gb.state = 'complete'""",
    "SET session_replication_role = DEFAULT",
    "ANALYZE",
]


def fill(counts: dict[str, int]) -> dict[str, int]:
    from django.db import connection

    params = {**counts, "categories": str(CATEGORIES)}
    with connection.cursor() as cursor:
        for statement in FILL:
            cursor.execute(statement.replace("%(categories)s", params["categories"]), params)
        for table in ("benchmarks_generation", "arena_vote"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute("SELECT count(*) FROM benchmarks_generation")
        generations = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM arena_vote")
        votes = cursor.fetchone()[0]
    return {**counts, "generations": generations, "votes": votes}


def get_once(client, url: str, headers: dict) -> float:
    """Return the ms one uncached GET of `url` takes, its body read."""
    from comparisons.cache import clear_local

    clear_local()  # the page cache's in-process copies; the shared cache is a DummyCache
    start = time.perf_counter()
    response = client.get(url, **headers)
    if getattr(response, "streaming", False):
        for _ in response.streaming_content:
            pass
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def export_run(client, url: str, headers: dict) -> tuple[float, float]:
    """Return (seconds, peak MB of Python allocations) streaming one export to nowhere."""
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get(url, **headers)
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    assert response.status_code == 200, (url, response.status_code)
    assert size > 0, url
    return seconds, peak


#: name -> (URL, with the API token); {p} and {run} are the middle prompt and run of a size.
PAGES = {
    "home": ("/", False),
    "leaderboard": ("/leaderboard/", False),
    "leaderboard ?category=scene": ("/leaderboard/?category=scene", False),
    "leaderboard ?mode=t2v&duration=5": ("/leaderboard/?mode=t2v&duration=5", False),
    "model page": ("/models/model-7/", False),
    "prompt page": ("/prompts/prompt-{p}/", False),
    "comparison page": ("/compare/prompt-{p}-run/", False),
    "arena pair": ("/arena/pair.json", False),
    "API run": ("/api/v1/runs/{run}", True),
    # A staff token lists every run, newest first, a page at a time.
    "API run list": ("/api/v1/runs", True),
}
EXPORTS = ("runs.csv", "runs.json", "votes.csv")


def serve(conn, multiple: float, unit: float, name: str) -> None:
    """Fill database `name` at `multiple`, send its counts, then answer the parent's commands
    one at a time: ("get", page name) -> ms, ("exports",) -> {export: (s, MB)}, ("refit",)
    -> s, ("quit",)."""
    setup_django(name)
    start = time.perf_counter()
    counts = fill(sizes_of(multiple, unit))
    conn.send({**counts, "seconds": time.perf_counter() - start})
    from django.test import Client

    from api.models import ApiToken
    from arena.services import ratings_refresh
    from benchmarks.models import BenchmarkRun, Prompt
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    _, raw = ApiToken.issue(user=user, name="bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    prompt = Prompt.objects.order_by("pk")[Prompt.objects.count() // 2]
    run = BenchmarkRun.objects.order_by("pk")[BenchmarkRun.objects.count() // 2]
    run.requested_by = user  # the API shows a token's own runs
    run.save(update_fields=["requested_by"])
    client = Client()
    while True:
        command, *args = conn.recv()
        if command == "get":
            url, api = PAGES[args[0]]
            conn.send(get_once(client, url.format(p=prompt.pk, run=run.pk), auth if api else {}))
        elif command == "exports":
            exports = {name: export_run(client, f"/api/v1/export/{name}", auth) for name in EXPORTS}
            conn.send(exports)
        elif command == "refit":
            start = time.perf_counter()
            ratings_refresh()
            conn.send(time.perf_counter() - start)
        else:
            return


class Size:
    """One size in a process of its own, with its own database (`BENCH_DATABASE`_<size>x)."""

    def __init__(self, multiple: float, unit: float):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        name = f"{DB_NAME}_{multiple:g}x".replace(".", "_")
        self.process = context.Process(target=serve, args=(child, multiple, unit, name))
        self.process.start()
        self.counts = self.conn.recv()  # filled: the next size fills on a quiet machine

    def ask(self, *command):
        self.conn.send(command)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(("quit",))
        self.process.join()


def measure(sizes: dict[float, Size], samples: int) -> dict[str, dict[float, tuple]]:
    """Return {page: {size: (p50, p95, first)}} in ms, asking the sizes in turn request by
    request: the machine's noise falls on every size alike, and their ratios hold."""
    table = {}
    for page in PAGES:
        first = {m: size.ask("get", page) for m, size in sizes.items()}
        times = {m: [] for m in sizes}
        for _ in range(samples):
            for m, size in sizes.items():
                times[m].append(size.ask("get", page))
        table[page] = {m: (*_p50_p95(times[m]), first[m]) for m in sizes}
        cells = ", ".join(f"{m:g}× p95 {table[page][m][1]:.0f} ms" for m in sizes)
        print(f"  {page}: {cells}", flush=True)
    return table


def _p50_p95(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit", type=float, default=0.01, help="1× as a share of a year")
    parser.add_argument("--sizes", default="1,10,100", help="multiples of 1× to measure")
    parser.add_argument("--samples", type=int, default=40, help="requests per page and size")
    parser.add_argument(
        "--exports-up-to", type=float, default=float("inf"), help="skip exports above this size"
    )
    args = parser.parse_args()
    multiples = [float(m) for m in args.sizes.split(",")]
    sizes = {}
    for multiple in multiples:
        sizes[multiple] = Size(multiple, args.unit)
        counts = sizes[multiple].counts
        print(f"{multiple:g}×: {counts} filled in {counts['seconds']:.0f} s", flush=True)
    print(f"Load average (1, 5, 15 min) before measuring: {os.getloadavg()}", flush=True)
    table = measure(sizes, args.samples)
    for multiple, size in sizes.items():
        if multiple <= args.exports_up_to:
            for name, value in size.ask("exports").items():
                table.setdefault(f"export {name}", {})[multiple] = value
        table.setdefault("ratings refit", {})[multiple] = (size.ask("refit"),)
        print(f"  {multiple:g}×: exports and refit measured", flush=True)
        size.close()
    print_table(table, multiples, {m: size.counts for m, size in sizes.items()})
    print(f"\nLoad average (1, 5, 15 min) at the end: {os.getloadavg()}")


def print_table(table, multiples, counts_at) -> None:
    heads = [f"{m:g}× ({counts_at[m]['generations']:,} clips, {counts_at[m]['votes']:,} votes)"
             for m in multiples]  # fmt: skip
    print()
    print("| what | " + " | ".join(heads) + " | largest / smallest |")
    print("|---|" + "---|" * (len(multiples) + 1))
    for name, by_size in table.items():
        cells = []
        for m in multiples:
            value = by_size.get(m)
            if value is None:
                cells.append("not measured")
                continue
            if name.startswith("export"):
                cells.append(f"{value[0]:.2f} s, peak {value[1]:.1f} MB")
            elif name == "ratings refit":
                cells.append(f"{value[0]:.2f} s")
            else:
                p50, p95, first = value
                cells.append(f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (first {first:.0f})")
        measured = [m for m in multiples if m in by_size]
        first, last = by_size[measured[0]], by_size[measured[-1]]
        index = 1 if len(first) > 1 and not name.startswith("export") else 0
        ratio = last[index] / first[index] if first[index] else float("nan")
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
