from decimal import Decimal

import pytest

from benchmarks.models import BenchmarkRun, Generation, VideoModel
from benchmarks.providers.registry import plugin_class
from benchmarks.services import costs
from benchmarks.services.runs import (
    RunRefused,
    generations_resubmit,
    run_retry_failed,
    run_start,
)
from tests.factories import PriceFactory, PromptFactory, VideoModelFactory
from tests.queued import steps_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def models():
    return [
        VideoModelFactory(slug=slug) for slug in ("local-smooth", "local-flicker", "local-frozen")
    ]


def test_a_run_makes_one_queued_generation_per_model(models):
    run = run_start(prompt=PromptFactory(), models=models)

    assert run.state == BenchmarkRun.State.RUNNING
    assert sorted(run.generations.values_list("state", flat=True)) == ["queued"] * 3


def test_the_same_idempotency_key_returns_the_same_run(models):
    prompt = PromptFactory()
    first = run_start(prompt=prompt, models=models, idempotency_key="suite:1:2026-11")
    second = run_start(prompt=prompt, models=models, idempotency_key="suite:1:2026-11")

    assert first.pk == second.pk
    assert Generation.objects.count() == 3


def test_a_run_naming_a_retired_model_is_refused_in_words(models):
    models[0].lifecycle = VideoModel.Lifecycle.RETIRED
    models[0].save()

    with pytest.raises(RunRefused, match="was retired"):
        run_start(prompt=PromptFactory(), models=models)
    assert not BenchmarkRun.objects.exists()


@pytest.fixture
def real_models(models):
    """The same models as a real provider's would be: priced, and their spend counts."""
    for model in models:
        model.synthetic = False
        model.save()
        PriceFactory(video_model=model, amount=Decimal("0.10"))  # 5 s × $0.10 = $0.50 each
    return models


def test_a_run_past_the_monthly_budget_is_refused_before_anything_is_made(real_models, settings):
    settings.MONTHLY_BUDGET_USD = "1.00"
    models = real_models

    with pytest.raises(RunRefused, match="monthly budget"):
        run_start(prompt=PromptFactory(), models=models)
    assert not Generation.objects.exists()


def test_the_estimate_uses_the_price_valid_at_submit(models):
    PriceFactory(video_model=models[0], amount=Decimal("0.05"))

    run = run_start(prompt=PromptFactory(duration=5), models=models[:1])

    assert run.generations.get().estimated_cost == Decimal("0.25")


def test_a_model_asked_for_something_it_cannot_do_is_refused(models):
    with pytest.raises(RunRefused, match="not 7 s"):
        run_start(prompt=PromptFactory(duration=7), models=models)


def test_retrying_failed_generations_queues_new_attempts(models):
    run = run_start(prompt=PromptFactory(), models=models)
    failed = run.generations.first()
    Generation.objects.filter(pk=failed.pk).update(state="failed", error_kind="permanent")

    assert run_retry_failed(run) == 1

    failed.refresh_from_db()
    assert failed.state == Generation.State.QUEUED
    assert failed.error_kind == ""


def test_a_retry_keeps_what_the_failed_attempt_cost_and_its_evidence(models):
    run = run_start(prompt=PromptFactory(), models=models[:1])
    generation = run.generations.get()
    Generation.objects.filter(pk=generation.pk).update(
        state="failed",
        error_kind="permanent",
        error_message="content refused",
        provider_job_id="job-1",
        request_sent={"prompt": "x"},
        actual_cost=Decimal("0.40"),
    )

    run_retry_failed(run)

    generation.refresh_from_db()
    assert generation.prior_attempts_cost == Decimal("0.40")
    evidence = generation.events.last().details
    assert evidence["provider_job_id"] == "job-1"
    assert evidence["error_message"] == "content refused"
    assert Generation.objects.with_spent().get(pk=generation.pk).spent == Decimal("0.40")


def test_a_retry_past_the_monthly_budget_is_refused_and_retries_nothing(real_models, settings):
    models = real_models
    run = run_start(prompt=PromptFactory(), models=models[:1])
    generation = run.generations.get()
    Generation.objects.filter(pk=generation.pk).update(
        state="failed", provider_job_id="job-1", actual_cost=Decimal("0.50")
    )
    settings.MONTHLY_BUDGET_USD = "0.75"

    with pytest.raises(RunRefused, match="monthly budget"):
        run_retry_failed(run)

    generation.refresh_from_db()
    assert generation.state == Generation.State.FAILED


def _waiting_for_staff(models) -> Generation:
    """Return a generation whose submit was interrupted: it waits for staff review."""
    run = run_start(prompt=PromptFactory(), models=models[:1], dispatch=False)
    Generation.objects.filter(run=run).update(
        state="needs_review", attempts=1, outcome_unknown=True
    )
    return run.generations.get()


def test_resubmitting_queues_only_what_waits_for_review_and_logs_who(models):
    waiting = _waiting_for_staff(models)
    other = run_start(prompt=PromptFactory(), models=models[:1], dispatch=False).generations.get()

    with steps_queued("generation_submit") as submit:
        count = generations_resubmit(generations=Generation.objects.all(), actor="editor")

    assert count == 1
    submit.assert_called_once_with(waiting.pk)
    waiting.refresh_from_db()
    assert waiting.state == Generation.State.QUEUED
    event = waiting.events.get(to_state=Generation.State.QUEUED)
    assert (event.actor, event.reason, event.details["attempt"]) == (
        "editor",
        "Staff chose to resubmit",
        1,
    )
    other.refresh_from_db()
    assert other.state == Generation.State.QUEUED  # untouched: it never left the queue


def test_a_resubmit_past_the_monthly_budget_is_refused_and_resubmits_nothing(real_models, settings):
    waiting = _waiting_for_staff(real_models)
    settings.MONTHLY_BUDGET_USD = "0.75"  # $0.50 committed, another $0.50 won't fit

    with steps_queued("generation_submit") as submit, pytest.raises(RunRefused, match="budget"):
        generations_resubmit(generations=Generation.objects.all(), actor="editor")

    submit.assert_not_called()
    waiting.refresh_from_db()
    assert waiting.state == Generation.State.NEEDS_REVIEW
    assert not waiting.events.filter(to_state=Generation.State.QUEUED).exists()


def test_the_months_spend_counts_earlier_attempts(real_models):
    run = run_start(prompt=PromptFactory(), models=real_models[:1])
    # Its current attempt was accepted and billed $0.40, after earlier attempts billed $0.90.
    # (A queued attempt also counts its $0.50 estimate, `with_committed`; a requeue clears
    # `actual_cost`, so a billed attempt is never still queued.)
    Generation.objects.filter(run=run).update(
        state=Generation.State.COMPLETE,
        provider_job_id="job-2",
        actual_cost=Decimal("0.40"),
        prior_attempts_cost=Decimal("0.90"),
    )

    assert costs.spend_this_month() == Decimal("1.30")


def test_a_job_the_provider_never_accepted_costs_nothing(models):
    PriceFactory(video_model=models[0], amount=Decimal("0.10"))
    run = run_start(prompt=PromptFactory(), models=models[:1])

    generation = Generation.objects.with_spent().get(run=run)

    assert generation.estimated_cost == Decimal("0.50")
    assert generation.spent == Decimal("0")


# -- costs: estimated at the request sent, unknown never zero, demo clips free ------------------


def _model(slug="hailuo", **fields):
    fields.setdefault("synthetic", False)
    fields.setdefault("plugin_key", "local-smooth")
    return VideoModelFactory(slug=slug, **fields)


def test_a_model_without_720p_is_priced_at_the_resolution_it_is_sent(settings):
    settings.MONTHLY_BUDGET_USD = "1.00"
    settings.MINIMAX_API_KEY = "key"
    # MiniMax Hailuo 02 offers 768p and 1080p: a 720p run goes out at 768p.
    model = VideoModelFactory(
        slug="minimax-hailuo-02",
        synthetic=False,
        capabilities=plugin_class("minimax-hailuo-02").capabilities.as_dict(),
    )
    PriceFactory(video_model=model, amount=Decimal("0.30"), resolution="768p")
    prompt = PromptFactory(duration=6)

    with pytest.raises(RunRefused, match=r"about \$1\.80"):
        run_start(prompt=prompt, models=[model])

    settings.MONTHLY_BUDGET_USD = "10"
    run = run_start(prompt=prompt, models=[model], dispatch=False)
    assert run.generations.get().estimated_cost == Decimal("1.80")


def test_an_unpriced_model_is_refused_naming_the_model_and_the_missing_price(settings):
    model = _model(slug="wan", display_name="Wan 2.5")

    with pytest.raises(RunRefused, match="Wan 2.5 has no price for 720p clips"):
        run_start(prompt=PromptFactory(), models=[model])
    assert not Generation.objects.exists()


def test_staff_may_allow_unpriced_runs_and_their_cost_stays_unknown(settings):
    settings.ALLOW_UNPRICED_RUNS = True
    model = _model(slug="wan", display_name="Wan 2.5")

    run = run_start(prompt=PromptFactory(), models=[model], dispatch=False)

    assert run.generations.get().estimated_cost is None


def test_demo_clips_never_count_toward_the_monthly_budget(models, settings):
    settings.MONTHLY_BUDGET_USD = "0.10"
    PriceFactory(video_model=models[0], amount=Decimal("1.00"))  # a demo figure, not a real price
    run = run_start(prompt=PromptFactory(), models=models[:1])
    Generation.objects.filter(run=run).update(actual_cost=Decimal("5.00"))

    assert costs.spend_this_month() == 0
    run_start(prompt=PromptFactory(), models=models[:1])  # not refused


def test_a_model_whose_provider_has_no_api_key_is_refused_at_once(settings):
    settings.RUNWAY_API_KEY = ""
    model = VideoModelFactory(slug="runway-gen4-5", synthetic=False)
    PriceFactory(video_model=model, amount=Decimal("0.10"))

    with pytest.raises(RunRefused, match=r"Runway has no API key \(set RUNWAY_API_KEY\)"):
        run_start(prompt=PromptFactory(), models=[model])

    assert not Generation.objects.exists()
    assert costs.spend_this_month() == 0
    assert model not in VideoModel.objects.runnable()
