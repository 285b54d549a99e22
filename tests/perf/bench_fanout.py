"""A 6-model run against fake providers that each take 2 s: the models run in parallel.

Usage: .venv/bin/python tests/perf/bench_fanout.py

Needs the local PostgreSQL and Redis. Prints the wall time until every provider has finished
(target: under 4 s, where one model after another would take 12 s) and until the run completes
(downloads, transcodes and scoring of the six clips included).
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf import harness  # noqa: E402

PROVIDER_SECONDS = 2.0
MODELS = {
    "runway-gen4-5": "runway",
    "luma-ray-2": "luma",
    "kling-v2-5-turbo": "kling",
    "kling-v2-6": "kling",
    "pika-2-2": "fal",
    "pika-2-5": "fal",
}


def measure(Prompt, run_start, VideoModel, BenchmarkRun, Generation, slug):
    """Start one run on every model; return (providers done, run done, run) in seconds."""
    prompt = Prompt.objects.create(
        slug=slug, title=slug, category="scene", text="A kite over a hill.", duration=5
    )
    past_provider = [
        Generation.State.DOWNLOADING, Generation.State.TRANSCODING,
        Generation.State.SCORING, Generation.State.COMPLETE,
    ]  # fmt: skip
    start = time.monotonic()
    run = run_start(prompt=prompt, models=VideoModel.objects.filter(slug__in=MODELS))

    def providers_done():
        return run.generations.filter(state__in=past_provider).count() == len(MODELS)

    def run_done():
        run.refresh_from_db()
        return run.state != BenchmarkRun.State.RUNNING

    harness.wait_until(providers_done, timeout=60)
    provider_wall = time.monotonic() - start
    harness.wait_until(run_done, timeout=120, interval=0.2)
    return provider_wall, time.monotonic() - start, run


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="lockstep-fanout-"))
    env = harness.setup_django(work)
    from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoModel
    from benchmarks.services.catalog import catalog_sync
    from benchmarks.services.runs import run_start
    from tests.fakes import fake_class

    fakes = {
        slug: fake_class(slug)(delay=PROVIDER_SECONDS, steps=0).start()
        for slug in set(MODELS.values())
    }
    for fake in fakes.values():
        for name, value in fake.plugin_settings().items():
            env[name] = value
    env["POLL_INTERVAL_SCALE"] = "0.05"  # poll every 0.25–0.5 s: the waiting is the providers'
    # As in production: one worker for provider calls and downloads, one for ffmpeg and scoring.
    workers = [
        harness.start_worker(env, work / "io.log", concurrency=6, queues="io"),
        harness.start_worker(env, work / "media.log", concurrency=2, queues="media"),
    ]
    try:
        catalog_sync()
        cold = measure(Prompt, run_start, VideoModel, BenchmarkRun, Generation, "warm-up")
        print(f"warm-up run (fresh worker processes): providers done after {cold[0]:.2f} s")
        provider_wall, total_wall, run = measure(
            Prompt, run_start, VideoModel, BenchmarkRun, Generation, "fanout"
        )
        states = list(run.generations.values_list("video_model__slug", "state"))
        for g in run.generations.select_related("video_model"):
            print(
                f"  {g.video_model.slug:<18} "
                f"queue→submitted {(g.submitted_at - g.queued_at).total_seconds():.2f} s, "
                f"at provider {g.provider_time.total_seconds():.2f} s, polls {g.polls}"
            )
        submissions = {slug: fake.submissions for slug, fake in fakes.items()}
    finally:
        for worker in workers:
            harness.stop(worker)
        for fake in fakes.values():
            fake.stop()
    sequential = PROVIDER_SECONDS * len(MODELS)
    print(f"models: {len(MODELS)}, each {PROVIDER_SECONDS:.0f} s at its (fake) provider")
    print(
        f"all providers done after {provider_wall:.2f} s wall "
        f"(one after another: {sequential:.0f} s)"
    )
    print(f"run complete (download, transcode, score included) after {total_wall:.2f} s")
    print(f"submissions per fake: {submissions}; states: {states}")
    print("PASS" if provider_wall < 4 else "FAIL")


if __name__ == "__main__":
    main()
