from datetime import timedelta

import pytest
from django.utils import timezone

from benchmarks.models import Generation
from benchmarks.services.reaper import Reaped, generations_reap
from tests.factories import GenerationFactory

pytestmark = pytest.mark.django_db
State = Generation.State


def _age(generation, seconds):
    Generation.objects.filter(pk=generation.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_fresh_generation_is_left_alone(django_capture_on_commit_callbacks):
    GenerationFactory(state=State.TRANSCODING)

    with django_capture_on_commit_callbacks() as queued:
        assert generations_reap() == Reaped()

    assert queued == []


def test_a_stale_generation_has_its_step_queued_again(django_capture_on_commit_callbacks):
    generation = GenerationFactory(state=State.TRANSCODING)
    _age(generation, 3 * 3600)

    with django_capture_on_commit_callbacks() as queued:
        reaped = generations_reap()

    assert reaped == Reaped(requeued=[(generation.pk, "transcode")])
    # Sent after commit (a partial of the task's apply_async), with the ids in its headers.
    [dispatch] = queued
    assert dispatch.func.__self__.name == "benchmarks.tasks.generation_transcode"
    assert dispatch.keywords["args"] == (generation.pk,)
    assert dispatch.keywords["headers"] == {
        "generation_id": generation.pk,
        "run_id": generation.run_id,
    }
    assert generation.events.filter(actor="reaper").count() == 1


def test_a_generation_stuck_in_submitting_goes_to_submit_recovery():
    generation = GenerationFactory(state=State.SUBMITTING)
    _age(generation, 3600)

    assert generations_reap().requeued == [(generation.pk, "submit")]


def test_after_repeated_tries_the_reaper_fails_it_as_a_timeout(settings):
    settings.REAPER_MAX_TRIES = 2
    generation = GenerationFactory(state=State.DOWNLOADING)
    for _ in range(2):
        _age(generation, 3 * 3600)
        assert generations_reap().requeued == [(generation.pk, "download")]
    _age(generation, 3 * 3600)

    assert generations_reap() == Reaped(failed=[generation.pk])

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert generation.error_kind == Generation.ErrorKind.TIMEOUT
    assert "Stuck in downloading" in generation.error_message


def test_past_the_deadline_it_fails_at_once(settings):
    settings.GENERATION_DEADLINE_SECONDS = 60
    generation = GenerationFactory(state=State.GENERATING)
    Generation.objects.filter(pk=generation.pk).update(
        queued_at=timezone.now() - timedelta(hours=1)
    )
    _age(generation, 3 * 3600)

    assert generations_reap() == Reaped(failed=[generation.pk])

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert generation.run.state == "failed"


def test_the_reaper_sweeps_scratch_directories_of_killed_workers(settings):
    import os
    import time
    from pathlib import Path

    from benchmarks.services.reaper import scratch_sweep

    settings.SCRATCH_STALE_SECONDS = 3600
    root = Path(settings.WORK_DIR)
    old = time.time() - 2 * 3600
    dead = []
    for n in range(15):  # 15 kills mid-step left 14 behind before
        path = root / f"gen{n}-abc{n}"
        (path / "out").mkdir(parents=True)
        (path / "out" / "720p.mp4").write_bytes(b"x")
        for item in (path / "out" / "720p.mp4", path / "out", path):
            os.utime(item, (old, old))
        dead.append(path)
    alive = root / "gen99-live"
    (alive / "out").mkdir(parents=True)
    os.utime(alive, (old, old))  # the directory is old, but a file in it is being written
    (alive / "out" / "720p.mp4").write_bytes(b"x")
    other = root / "local_jobs"
    other.mkdir()
    os.utime(other, (old, old))

    assert scratch_sweep() == 15

    assert not any(path.exists() for path in dead)
    assert alive.exists()
    assert other.exists()
