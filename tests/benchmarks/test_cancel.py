"""Staff cancel in-flight generations: the job is stopped at the provider, the evidence kept."""

from unittest import mock

import pytest
from django.urls import reverse

from benchmarks import tasks
from benchmarks.models import BenchmarkRun, Generation
from benchmarks.providers.base import JobStatus
from benchmarks.providers.registry import get_plugin
from tests.benchmarks.providers.conftest import Harness, start_fake
from tests.factories import GenerationFactory, UserFactory, VideoModelFactory

pytestmark = pytest.mark.django_db
State = Generation.State


@pytest.fixture
def wan(settings):
    fake = start_fake("replicate", settings)
    yield Harness(fake=fake, plugin=get_plugin("wan-2-5-t2v"))
    fake.stop()


@pytest.fixture
def generating(wan):
    """A generation whose job runs at Replicate's fake."""
    job_id = wan.plugin.submit(wan.request()).job_id
    model = VideoModelFactory(slug="wan-2-5-t2v", synthetic=False)
    return GenerationFactory(video_model=model, state=State.GENERATING, provider_job_id=job_id)


def _cancel(client, django_capture_on_commit_callbacks, admin_name: str, pks):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="editor"))
    # The task runs here, as the io worker would once the admin's request commits.
    run_inline = mock.patch.object(
        tasks.generation_cancel_job, "delay", side_effect=tasks.generation_cancel_job
    )
    with run_inline, django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse(f"admin:benchmarks_{admin_name}_changelist"),
            {"action": "cancel_at_provider", "_selected_action": pks},
            follow=True,
        )


def test_staff_cancel_a_generation_at_the_provider_and_the_evidence_stays(
    client, django_capture_on_commit_callbacks, wan, generating
):
    job_id = generating.provider_job_id

    response = _cancel(client, django_capture_on_commit_callbacks, "generation", [generating.pk])

    assert "Canceled 1 generation(s) at the provider." in response.content.decode()
    assert wan.fake.jobs[job_id].canceled
    assert wan.plugin.poll(job_id).status == JobStatus.CANCELED
    generating.refresh_from_db()
    assert (generating.state, generating.error_kind) == (State.FAILED, "canceled")
    assert generating.provider_job_id == job_id
    failed = generating.events.get(from_state=State.GENERATING, to_state=State.FAILED)
    assert failed.actor == "editor"
    assert failed.details == {"canceled_in": "generating", "provider_job_id": job_id}
    assert generating.events.filter(reason="Asked the provider to cancel the job").exists()


def test_canceling_a_run_cancels_only_its_generations_in_flight(
    client, django_capture_on_commit_callbacks, wan, generating
):
    run = generating.run
    done = GenerationFactory(run=run, state=State.COMPLETE, sample=1)
    downloading = GenerationFactory(run=run, state=State.DOWNLOADING, sample=2)

    _cancel(client, django_capture_on_commit_callbacks, "benchmarkrun", [run.pk])

    assert wan.fake.jobs[generating.provider_job_id].canceled
    states = dict(run.generations.values_list("pk", "state"))
    assert states == {
        generating.pk: State.FAILED,
        done.pk: State.COMPLETE,
        downloading.pk: State.DOWNLOADING,  # the provider is done with it: nothing to cancel
    }
    run.refresh_from_db()
    assert run.state == BenchmarkRun.State.RUNNING  # the download still ends it


def test_a_queued_generation_is_canceled_without_calling_any_provider(
    client, django_capture_on_commit_callbacks
):
    queued = GenerationFactory(state=State.QUEUED)

    with mock.patch.object(tasks.generation_cancel_job, "delay") as queue:
        _cancel(client, django_capture_on_commit_callbacks, "generation", [queued.pk])

    queue.assert_not_called()
    queued.refresh_from_db()
    assert (queued.state, queued.error_kind) == (State.FAILED, "canceled")
