"""The pipeline's steps, called directly: errors, retries, recovery of interrupted submits."""

from unittest import mock

import pytest

from benchmarks.models import BenchmarkRun, Generation, VideoModel
from benchmarks.providers.base import TransientProviderError
from benchmarks.providers.local import jobs
from benchmarks.services import pipeline
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.inline import drive_inline
from benchmarks.services.runs import run_start
from tests.benchmarks.providers.conftest import start_fake
from tests.factories import PromptFactory

pytestmark = pytest.mark.django_db
State = Generation.State


@pytest.fixture
def catalog():
    catalog_sync()


def _generation(slug: str, **prompt) -> Generation:
    model = VideoModel.objects.get(slug=slug)
    run = run_start(prompt=PromptFactory(**prompt), models=[model], dispatch=False)
    return run.generations.get()


@pytest.fixture
def runway(settings, catalog):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake("runway", settings, steps=2)
    yield fake
    fake.stop()


def test_a_real_plugin_runs_against_its_fake_and_keeps_the_request_as_sent(runway):
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert list(generation.events.values_list("to_state", flat=True)) == [
        "submitting", "submitted", "generating", "downloading",
        "transcoding", "scoring", "complete",
    ]  # fmt: skip
    assert generation.run.state == BenchmarkRun.State.COMPLETE
    assert generation.quality_report.frame_count > 0
    assert runway.submissions == 1
    assert generation.request_sent["model"] == "gen4.5"
    assert generation.request_sent["promptText"] == generation.run.prompt.text
    assert generation.estimated_cost is not None


def test_a_rate_limited_submit_goes_back_to_queued_and_says_when_to_retry(runway):
    runway.inject("rate_limited", on="submit")
    generation = _generation("runway-gen4-5")

    with pytest.raises(TransientProviderError) as excinfo:
        pipeline.generation_submit(generation.pk)

    assert excinfo.value.retry_after == pytest.approx(7)
    generation.refresh_from_db()
    assert generation.state == State.QUEUED
    assert runway.submissions == 0
    pipeline.generation_submit(generation.pk)  # the retry
    generation.refresh_from_db()
    assert generation.state == State.SUBMITTED
    assert runway.submissions == 1


def test_the_task_retries_a_transient_error_then_succeeds(runway, settings):
    from benchmarks.tasks import generation_submit

    runway.inject("server_error", on="submit")
    generation = _generation("runway-gen4-5")

    with mock.patch("benchmarks.tasks.dispatch"):
        generation_submit.apply(args=(generation.pk,))

    generation.refresh_from_db()
    assert generation.state == State.SUBMITTED
    assert runway.submissions == 1
    assert generation.events.filter(reason__startswith="Submit refused").count() == 1


def test_a_permanent_refusal_fails_at_once_with_the_providers_reason(runway):
    runway.inject("no_credit", on="submit")
    generation = _generation("runway-gen4-5")

    pipeline.generation_submit(generation.pk)

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert generation.error_kind == Generation.ErrorKind.PERMANENT
    assert generation.error_message
    assert generation.run.state == BenchmarkRun.State.FAILED


def test_a_job_the_provider_fails_fails_with_its_reason(runway):
    runway.inject("job_failed")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert "moderation" in generation.error_message


def test_a_failure_the_provider_says_may_pass_is_resubmitted_once_by_itself(runway):
    runway.inject("job_failed_internal")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert runway.submissions == 2
    assert generation.attempts == 2
    requeued = generation.events.get(to_state=State.QUEUED)
    assert requeued.actor == "pipeline"
    assert requeued.from_state in (State.SUBMITTED, State.GENERATING)
    assert "INTERNAL.BAD_OUTPUT" in requeued.details["error_message"]
    assert requeued.details["provider_job_id"] not in ("", generation.provider_job_id)
    # The failed job's cost is kept: what Runway says it charged, 0 as it refunds failures.
    assert requeued.details["spent"] == "0.0000"
    assert generation.prior_attempts_cost == 0
    assert generation.actual_cost == generation.estimated_cost  # the clip, billed
    assert generation.run.state == BenchmarkRun.State.COMPLETE


def test_a_second_such_failure_fails_and_says_why_it_was_not_resubmitted(runway):
    runway.inject("job_failed_internal", times=2)
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert runway.submissions == 2
    assert "INTERNAL.BAD_OUTPUT" in generation.error_message
    assert "Not resubmitted: resubmitted by itself 1 time(s) already" in generation.error_message


def test_a_submit_the_provider_refused_does_not_use_up_the_resubmit(runway):
    runway.inject("rate_limited", on="submit")
    runway.inject("job_failed_internal")
    generation = _generation("runway-gen4-5")
    with pytest.raises(TransientProviderError):
        pipeline.generation_submit(generation.pk)  # 429: back to queued, the task retries

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert (generation.attempts, runway.submissions) == (3, 2)


def test_no_new_attempt_is_paid_for_past_the_monthly_budget(runway, settings):
    generation = _generation("runway-gen4-5")
    # Runway refunds the failed job, so the budget must lack room for one more attempt itself.
    settings.MONTHLY_BUDGET_USD = str(generation.estimated_cost / 2)
    runway.inject("job_failed_internal")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert runway.submissions == 1
    assert "Not resubmitted: This would cost" in generation.error_message


def test_resubmitting_by_itself_can_be_turned_off(runway, settings):
    settings.PROVIDER_FAILURE_RESUBMITS = 0
    runway.inject("job_failed_internal")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert runway.submissions == 1


def test_an_expired_output_url_fails_as_invalid_output(runway):
    runway.inject("expired", on="download")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert generation.error_kind == Generation.ErrorKind.INVALID_OUTPUT
    assert not generation.assets.exists()


def test_an_interrupted_submit_is_recovered_by_our_reference_without_resubmitting(catalog):
    generation = _generation("local-smooth")
    # The provider accepted the job, then the worker died before saving its id.
    from benchmarks.providers.registry import get_plugin
    from benchmarks.services.requests import generation_request

    accepted = get_plugin("local-smooth").submit(generation_request(generation))
    generation.transition(State.SUBMITTING)

    pipeline.generation_submit(generation.pk)

    generation.refresh_from_db()
    assert generation.state == State.SUBMITTED
    assert generation.provider_job_id == accepted.job_id
    assert len(list(jobs.jobs_dir().glob("*.json"))) == 1


def test_without_a_lookup_an_interrupted_submit_waits_for_staff(runway):
    generation = _generation("runway-gen4-5")
    generation.transition(State.SUBMITTING)

    pipeline.generation_submit(generation.pk)

    generation.refresh_from_db()
    assert generation.state == State.NEEDS_REVIEW
    assert "resubmit or give up" in generation.events.last().reason
    assert runway.submissions == 0


def test_a_step_delivered_twice_does_nothing_the_second_time(catalog):
    generation = _generation("local-smooth")
    pipeline.generation_submit(generation.pk)

    again = pipeline.generation_submit(generation.pk)

    assert again.step == "poll"  # it resumes, it does not submit
    assert len(list(jobs.jobs_dir().glob("*.json"))) == 1
