"""One worker holds hundreds of in-flight generations: polls are countdowns, not sleeps.

Usage: .venv/bin/python tests/perf/bench_inflight.py [--generations 200]

Starts 200 single-model runs against a fake provider whose jobs take 20 s, with ONE io worker
of 4 processes. If polling slept in the worker, 4 processes could wait on 4 jobs at a time; with
countdowns every job is submitted at once and polled while it runs. Prints the peak number of
generations in flight at the same moment and how long until every provider job was done.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf import harness  # noqa: E402

JOB_SECONDS = 20.0
MODEL = "runway-gen4-5"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=200)
    count = parser.parse_args().generations
    work = Path(tempfile.mkdtemp(prefix="lockstep-inflight-"))
    env = harness.setup_django(work)
    from django.db import transaction

    from benchmarks.models import Generation, Prompt, VideoModel
    from benchmarks.services.catalog import catalog_sync
    from benchmarks.services.runs import run_start
    from tests.fakes import fake_class

    fake = fake_class("runway")(delay=JOB_SECONDS, steps=0).start()
    env.update(fake.plugin_settings())
    env["POLL_INTERVAL_SCALE"] = "0.5"  # a poll every 3 s per job
    worker = harness.start_worker(env, work / "io.log", concurrency=4, queues="io")
    try:
        catalog_sync()
        model = VideoModel.objects.get(slug=MODEL)
        start = time.monotonic()
        with transaction.atomic():
            for i in range(count):
                prompt = Prompt.objects.create(
                    slug=f"p{i}", title=f"p{i}", category="scene", text=f"Prompt {i}", duration=5
                )
                run_start(prompt=prompt, models=[model])
        in_flight = [Generation.State.SUBMITTED, Generation.State.GENERATING]
        peak = 0

        def all_past_provider():
            nonlocal peak
            peak = max(peak, Generation.objects.filter(state__in=in_flight).count())
            done = Generation.objects.exclude(
                state__in=[*in_flight, Generation.State.QUEUED, Generation.State.SUBMITTING]
            )
            return done.count() == count

        harness.wait_until(all_past_provider, timeout=300, interval=0.25)
        wall = time.monotonic() - start
        polls = sum(Generation.objects.values_list("polls", flat=True))
    finally:
        harness.stop(worker)
        fake.stop()
    print(
        f"{count} generations, each {JOB_SECONDS:.0f} s at the fake provider, "
        "one worker of 4 processes"
    )
    print(f"peak in flight at once: {peak}; submissions seen by the provider: {fake.submissions}")
    print(f"every provider job done after {wall:.1f} s ({polls} polls in all)")
    print(
        f"a sleeping worker would need about {count / 4 * JOB_SECONDS:.0f} s "
        f"({count} jobs / 4 processes × {JOB_SECONDS:.0f} s)"
    )
    print("PASS" if peak >= 200 and fake.submissions == count else "FAIL")


if __name__ == "__main__":
    main()
