"""A worker killed with SIGKILL at any step leaves the generation to be resumed, never re-paid."""

import pytest

from benchmarks.models import BenchmarkRun, Generation, VideoModel
from benchmarks.providers.local import jobs
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.reaper import generations_reap
from benchmarks.services.runs import run_start
from tests.conftest import wait_for
from tests.factories import PromptFactory

State = Generation.State


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
# Killed while generating: the test below, against a real provider's fake.
@pytest.mark.parametrize("kill_in", [State.DOWNLOADING, State.TRANSCODING], ids=lambda s: s.value)
def test_a_killed_worker_does_not_submit_twice(kill_in, start_worker, settings):
    catalog_sync()
    # Real-ish simulated provider time, so every step lasts long enough to be killed in.
    first = start_worker(LOCAL_PROVIDER_SPEED="0.5")
    run = run_start(
        prompt=PromptFactory(duration=5), models=[VideoModel.objects.get(slug="local-smooth")]
    )
    generation = run.generations.get()

    def reached():
        generation.refresh_from_db()
        return generation.state == kill_in

    wait_for(reached, timeout=120, interval=0.05, message=f"never saw {kill_in}:\n{first.output()}")
    first.kill()

    # Another worker takes over; the reaper finds the generation untouched and queues its step.
    second = start_worker(LOCAL_PROVIDER_SPEED="0.5")
    settings.REAPER_STALE_SECONDS = dict.fromkeys(settings.REAPER_STALE_SECONDS, 0)
    assert [pk for pk, _step in generations_reap().requeued] == [generation.pk]

    def finished():
        run.refresh_from_db()
        return run.state != BenchmarkRun.State.RUNNING

    wait_for(finished, timeout=180, interval=0.5, message=second.output())
    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert len(list(jobs.jobs_dir().glob("*.json"))) == 1  # the provider saw one submission
    assert generation.attempts == 1
    assert set(generation.assets.values_list("tier", flat=True)) == {
        "original", "standard", "preview", "poster"
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_worker_killed_while_a_real_provider_generates_resumes_without_resubmitting(
    start_worker, settings
):
    from tests.fakes import fake_class

    catalog_sync()
    fake = fake_class("runway")(delay=4, steps=2).start()
    env = {**fake.plugin_settings(), "POLL_INTERVAL_SCALE": "0.1"}
    for name, value in fake.plugin_settings().items():
        setattr(settings, name, value)  # run_start refuses a model whose key is not set
    try:
        first = start_worker(**env)
        run = run_start(
            prompt=PromptFactory(duration=5), models=[VideoModel.objects.get(slug="runway-gen4-5")]
        )
        generation = run.generations.get()

        def generating():
            generation.refresh_from_db()
            return generation.state == State.GENERATING

        wait_for(generating, timeout=60, interval=0.05, message=first.output())
        first.kill()
        second = start_worker(**env)
        settings.REAPER_STALE_SECONDS = dict.fromkeys(settings.REAPER_STALE_SECONDS, 0)
        generations_reap()

        def finished():
            run.refresh_from_db()
            return run.state != BenchmarkRun.State.RUNNING

        wait_for(finished, timeout=120, interval=0.5, message=second.output())
    finally:
        fake.stop()
    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert fake.submissions == 1
