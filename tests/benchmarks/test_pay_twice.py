"""Never pay twice, whatever the provider answers (issue 13).

Each scenario runs against a fake that counts the jobs it creates, and checks the spend recorded.
"""

import email.utils
import threading
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from benchmarks.models import Generation, VideoModel
from benchmarks.services import costs, pipeline
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.inline import drive_inline
from benchmarks.services.runs import run_start
from tests.benchmarks.providers.conftest import start_fake
from tests.factories import PriceFactory, PromptFactory

pytestmark = pytest.mark.django_db
State = Generation.State


@pytest.fixture
def catalog():
    catalog_sync()


def _generation(slug: str) -> Generation:
    model = VideoModel.objects.get(slug=slug)
    run = run_start(prompt=PromptFactory(), models=[model], dispatch=False)
    return run.generations.get()


def _spent(generation: Generation) -> Decimal:
    return Generation.objects.with_spent().get(pk=generation.pk).spent


@pytest.fixture
def runway(settings, catalog):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake("runway", settings, steps=2)
    yield fake
    fake.stop()


@pytest.fixture
def kling(settings, catalog):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake("kling", settings, steps=2)
    yield fake
    fake.stop()


# -- outcome unknown -------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["cut_off", "gateway_error"])
def test_a_job_created_whose_answer_is_lost_is_never_submitted_again(runway, fault):
    runway.inject(fault, on="submit")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})
    pipeline.generation_submit(generation.pk)  # a second delivery of the task changes nothing

    generation.refresh_from_db()
    assert runway.submissions == 1  # the provider created (and bills) one job
    assert generation.state == State.NEEDS_REVIEW
    assert generation.outcome_unknown
    assert "outcome is unknown" in generation.events.last().reason
    assert generation.estimated_cost > 0
    assert _spent(generation) == generation.estimated_cost  # counted as possibly billed
    assert costs.spend_this_month() == generation.estimated_cost


@pytest.mark.parametrize("fault", ["cut_off", "gateway_error"])
def test_a_lost_answer_is_recovered_by_our_reference_where_the_provider_allows(kling, fault):
    kling.inject(fault, on="submit")
    generation = _generation("kling-v2-5-turbo")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert kling.submissions == 1
    assert generation.state == State.COMPLETE, generation.error_message
    assert generation.provider_job_id in kling.jobs
    assert _spent(generation) == generation.estimated_cost


def test_a_500_from_the_application_is_a_refusal_and_is_retried(runway):
    runway.inject("server_error", on="submit")
    generation = _generation("runway-gen4-5")

    with pytest.raises(Exception, match="HTTP 500"):
        pipeline.generation_submit(generation.pk)

    generation.refresh_from_db()
    assert generation.state == State.QUEUED
    assert not generation.outcome_unknown
    assert runway.submissions == 0
    assert _spent(generation) == 0


def test_staff_resubmitting_an_unknown_outcome_keeps_its_possible_cost(runway):
    from benchmarks.services.runs import generation_requeue

    runway.inject("cut_off", on="submit")
    generation = _generation("runway-gen4-5")
    drive_inline({generation.pk: "submit"})

    loaded = Generation.objects.with_spent().get(pk=generation.pk)
    assert generation_requeue(loaded, reason="staff: not in the dashboard", actor="staff")
    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE
    assert runway.submissions == 2
    assert generation.prior_attempts_cost == generation.estimated_cost
    assert _spent(generation) == 2 * generation.estimated_cost


# -- one submit in flight --------------------------------------------------------------------


@pytest.mark.services  # PostgreSQL's advisory lock holds the second delivery off
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_in_parallel_make_one_job_and_record_its_id(settings, catalog):
    settings.POLL_INTERVAL_SCALE = 0
    runway = start_fake("runway", settings, steps=2)
    runway.hang_seconds = 3.0  # the provider takes 3 s to answer the create
    runway.inject("hang", on="submit")
    generation = _generation("runway-gen4-5")
    results = []

    def deliver():
        try:
            results.append(pipeline.generation_submit(generation.pk))
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    second = threading.Thread(target=deliver)
    try:
        first.start()
        time.sleep(1.0)
        second.start()
        first.join(15)
        second.join(15)
    finally:
        runway.stop()

    generation.refresh_from_db()
    assert runway.submissions == 1
    assert generation.state == State.SUBMITTED
    assert generation.provider_job_id in runway.jobs
    assert sorted(step.step for step in results) == ["", "poll"]


# -- Retry-After -----------------------------------------------------------------------------


def _retry_countdown(task, generation) -> float:
    """Run `task` once; return the countdown it asked Celery to retry with."""
    with (
        mock.patch.object(task, "retry", side_effect=RuntimeError("retry")) as retry,
        mock.patch("benchmarks.tasks.dispatch"),
        pytest.raises(RuntimeError, match="retry"),
    ):
        task(generation.pk)
    return retry.call_args.kwargs["countdown"]


def test_a_429_with_a_long_retry_after_waits_as_asked_capped_by_the_setting(runway, settings):
    from benchmarks.tasks import generation_submit

    settings.PROVIDER_RETRY_AFTER_MAX_SECONDS = 3000
    runway.retry_after = 7200
    runway.inject("rate_limited", on="submit")
    generation = _generation("runway-gen4-5")

    countdown = _retry_countdown(generation_submit, generation)

    assert countdown == 3000
    generation.refresh_from_db()
    assert generation.state == State.QUEUED
    assert runway.submissions == 0
    assert generation.waiting_for_provider.startswith("waiting for the provider until ")
    assert (generation.waiting_until - generation.updated_at).total_seconds() == pytest.approx(
        3000, abs=5
    )


def test_retry_after_as_an_http_date_is_honoured_on_poll(runway, settings):
    from benchmarks.tasks import generation_poll

    generation = _generation("runway-gen4-5")
    pipeline.generation_submit(generation.pk)
    runway.retry_after = email.utils.formatdate(time.time() + 120, usegmt=True)
    runway.inject("rate_limited", on="poll")

    countdown = _retry_countdown(generation_poll, generation)

    assert 110 <= countdown <= 121


def test_the_reaper_leaves_a_generation_waiting_for_the_provider_alone(runway, settings):
    from datetime import timedelta

    from django.utils import timezone

    from benchmarks.services.reaper import generations_stuck

    generation = _generation("runway-gen4-5")
    long_ago = timezone.now() - timedelta(hours=1)
    Generation.objects.filter(pk=generation.pk).update(
        updated_at=long_ago, waiting_until=timezone.now() + timedelta(minutes=30)
    )
    assert generation not in generations_stuck()

    Generation.objects.filter(pk=generation.pk).update(waiting_until=long_ago)
    assert generation in generations_stuck()


# -- polls that lose the job -----------------------------------------------------------------


def test_a_single_404_on_poll_is_retried_and_the_job_completes(runway, settings):
    settings.POLL_LOST_DELAY_SECONDS = 0
    runway.inject("not_found", on="poll")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert generation.events.filter(reason__startswith="Poll lost the job (1 of").exists()


def test_polls_that_keep_losing_the_job_go_to_review_counted_as_spent(runway, settings):
    settings.POLL_LOST_DELAY_SECONDS = 0
    settings.POLL_LOST_RETRIES = 2
    runway.inject("not_found", on="poll", times=10)
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert runway.counts["poll"] == 3
    assert generation.state == State.NEEDS_REVIEW
    assert "may still be running" in generation.events.last().reason
    assert _spent(generation) == generation.estimated_cost


def test_a_status_the_plugin_does_not_know_is_not_a_free_failure(runway, settings):
    settings.POLL_LOST_DELAY_SECONDS = 0
    settings.POLL_LOST_RETRIES = 1
    runway.inject("unknown_status")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.NEEDS_REVIEW
    assert "unknown status" in generation.events.last().reason
    assert _spent(generation) == generation.estimated_cost


# -- spend is what was billed ----------------------------------------------------------------


def test_runway_reports_what_it_billed_and_a_refunded_failure_costs_nothing(runway):
    runway.inject("job_failed")
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert generation.actual_cost == 0  # cost.credits = 0: Runway refunded it
    assert generation.cost_is_billed
    assert generation.billing_policy == "undocumented"
    assert _spent(generation) == 0


def test_runway_bills_a_clip_at_its_reported_credits(runway):
    generation = _generation("runway-gen4-5")

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE
    assert generation.actual_cost == Decimal("0.60")  # 12 credits/s x 5 s at $0.01
    assert generation.cost_is_billed


@pytest.mark.parametrize(
    ("provider", "slug", "policy", "billed"),
    [
        ("fal", "pika-2-2", "failures_free", False),
        ("replicate", "wan-2-5-t2v", "charged_on_accept", True),
    ],
)
def test_a_failed_job_costs_what_the_providers_billing_policy_says(
    settings, catalog, provider, slug, policy, billed
):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake(provider, settings, steps=1)
    try:
        fake.inject("job_failed")
        # Wan ships without a price: give it one, so the estimate is known.
        PriceFactory(video_model=VideoModel.objects.get(slug=slug), amount=Decimal("0.05"))
        generation = _generation(slug)
        drive_inline({generation.pk: "submit"})
    finally:
        fake.stop()

    generation.refresh_from_db()
    assert generation.state == State.FAILED
    assert generation.provider_failed
    assert generation.billing_policy == policy
    assert generation.estimated_cost > 0
    assert _spent(generation) == (generation.estimated_cost if billed else 0)
    assert not generation.cost_is_billed


def test_a_providers_poll_after_is_capped_below_the_visibility_timeout(runway, settings):
    from benchmarks.providers.base import JobStatus, PollResult
    from benchmarks.providers.runway.plugin import RunwayProvider

    settings.POLL_INTERVAL_SCALE = 1
    settings.PROVIDER_RETRY_AFTER_MAX_SECONDS = 1800
    generation = _generation("runway-gen4-5")
    pipeline.generation_submit(generation.pk)
    asks = PollResult(status=JobStatus.RUNNING, poll_after=86400)

    with mock.patch.object(RunwayProvider, "poll", return_value=asks):
        step = pipeline.generation_poll(generation.pk)

    assert step.step == "poll"
    assert step.countdown == 1800
