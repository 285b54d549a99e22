"""Start benchmark runs, end them, retry their failures (publishing: comparisons.services)."""

import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from benchmarks import signals
from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoModel
from benchmarks.models.prompts import MAX_SAMPLES
from benchmarks.providers.base import GenerationRequest, PermanentProviderError
from benchmarks.providers.registry import plugin_for
from benchmarks.services import costs
from benchmarks.services.requests import RunSettings, run_request, sample_seed


class RunRefused(Exception):
    """A run can't start; the message says why, in words staff can act on."""


def run_start(
    *,
    prompt: Prompt,
    models: Iterable[VideoModel],
    trigger: str = BenchmarkRun.Trigger.STAFF,
    requested_by=None,
    idempotency_key: str = "",
    suite=None,
    seed: int | None = None,
    settings: RunSettings | None = None,
    dispatch: bool = True,
) -> BenchmarkRun:
    """Start one run of `prompt` on `models`, or return the run already made under the key.

    `settings` default to the prompt's (and the suite's); `seed`, if given, overrides theirs.
    Each model makes `settings.samples` clips, each its own generation with its own seed.
    Everything is checked before any provider is called: retired models, what each model can
    do with these settings, and the monthly budget for every sample. Submissions are queued
    after the transaction commits (unless `dispatch` is False: the caller drives the steps
    itself, as `seed_demo` does).
    """
    models = list(models)
    # A retried call (same key) gets the run it made; "" is no key (an ad-hoc run gets a uuid).
    if idempotency_key and (
        existing := BenchmarkRun.objects.filter(idempotency_key=idempotency_key).first()
    ):
        return existing
    settings = settings or RunSettings.of(prompt, suite)
    if seed is not None:
        settings = RunSettings(**(settings.as_dict() | {"seed": seed}))
    # Unsaved until every check passes: the requests are built from the run as it will be saved.
    run = BenchmarkRun(
        prompt=prompt,
        suite=suite,
        trigger=trigger,
        requested_by=requested_by,
        idempotency_key=idempotency_key or f"adhoc:{uuid.uuid4()}",
        duration=settings.duration,
        aspect_ratio=settings.aspect_ratio,
        seed=settings.seed,
        audio=settings.audio,
        camera_motion=settings.camera,
        camera_text=settings.camera_text,
        end_image=prompt.end_image.name if prompt.end_image else "",
        samples=settings.samples,
    )
    requests = {model.pk: run_request(run, model) for model in models}
    _check_models(models, requests, samples=run.samples)
    estimates = {model.pk: costs.estimate(model, requests[model.pk]) for model in models}
    # Every sample is an attempt of its own: the budget weighs each one.
    check_budget(e for e in estimates.values() for _ in range(run.samples))
    try:
        with transaction.atomic():
            run.save()
            # Each model's samples; a model that takes a seed gets one per sample, recorded now.
            generations = Generation.objects.bulk_create(
                Generation(
                    run=run,
                    video_model=m,
                    sample=k,
                    seed=sample_seed(run, k) if (m.capabilities or {}).get("seed") else None,
                    estimated_cost=estimates[m.pk].amount,
                )
                for m in models
                for k in range(run.samples)
            )
            if dispatch:
                _dispatch_submits(run, [g.pk for g in generations])
    except IntegrityError:
        # A concurrent call with the same key won the race: return its run.
        return BenchmarkRun.objects.get(idempotency_key=idempotency_key)
    return run


def _check_models(
    models: list[VideoModel], requests: dict[int, GenerationRequest], *, samples: int
) -> None:
    """Raise RunRefused, naming every problem, unless each model can make its request now."""
    if not models:
        raise RunRefused("Choose at least one model.")
    if not 1 <= samples <= MAX_SAMPLES:
        raise RunRefused(f"A run makes 1 to {MAX_SAMPLES} samples per model.")
    problems = []
    for model in models:
        if model.is_retired:
            retired = f" on {model.retired_on:%Y-%m-%d}" if model.retired_on else ""
            problems.append(f"{model} was retired{retired}; its past clips stay on the site.")
            continue
        plugin = plugin_for(model)
        if missing := plugin.missing_configuration():
            problems.append(missing)
            continue
        try:
            plugin.validate(requests[model.pk])
        except PermanentProviderError as exc:
            problems.append(exc.message)
    if problems:
        raise RunRefused(" ".join(problems))


def check_budget(estimates: Iterable[costs.Estimate]) -> None:
    """Raise RunRefused if attempts costing `estimates` would exceed the monthly budget.

    An attempt whose cost can't be estimated is refused, naming the missing price, unless staff
    set ALLOW_UNPRICED_RUNS; then it is let through and counts nothing until billed. Demo clips
    (the synthetic renderer) never count.
    """
    estimates = list(estimates)
    unpriced = [e for e in estimates if e.unpriced]
    if unpriced and not settings.ALLOW_UNPRICED_RUNS:
        missing = "; ".join(e.missing_price for e in unpriced)
        raise RunRefused(
            f"Can't estimate what this costs: {missing}. Add the price in the admin (Prices), "
            "or set ALLOW_UNPRICED_RUNS to run models without one."
        )
    estimate = sum((e.counted for e in estimates), Decimal("0"))
    budget = costs.monthly_budget()
    spent = costs.spend_this_month()
    if spent + estimate > budget:
        unknown = " plus what the unpriced models cost" if unpriced else ""
        raise RunRefused(
            f"This would cost about ${estimate:.2f}{unknown}; ${spent:.2f} of the ${budget:.2f} "
            "monthly budget is already spent or committed. Raise MONTHLY_BUDGET_USD or wait."
        )


def generation_estimate(generation: Generation) -> costs.Estimate:
    """Return what a new attempt of `generation` is expected to cost, at today's price."""
    model = generation.video_model
    return costs.estimate(model, run_request(generation.run, model))


def _dispatch_submits(run: BenchmarkRun, generation_ids: list[int]) -> None:
    from benchmarks.tasks import step_queue

    for pk in generation_ids:
        step_queue("submit", generation_id=pk, run_id=run.pk)


def run_refresh(run_id: int) -> BenchmarkRun:
    """End the run if every generation has ended; return it."""
    run = BenchmarkRun.objects.get(pk=run_id)
    states = list(run.generations.values_list("state", flat=True))
    if run.state != BenchmarkRun.State.RUNNING or not all(
        s in Generation.FINAL_STATES for s in states
    ):
        return run
    final = (
        BenchmarkRun.State.COMPLETE
        if Generation.State.COMPLETE in states
        else BenchmarkRun.State.FAILED
    )
    ended = BenchmarkRun.objects.filter(pk=run.pk, state=BenchmarkRun.State.RUNNING).update(
        state=final, finished_at=timezone.now()
    )
    run.refresh_from_db()
    if ended:
        transaction.on_commit(lambda: signals.run_finished.send(sender=BenchmarkRun, run=run))
    return run


def run_retry_failed(run: BenchmarkRun, *, actor: str = "staff") -> int:
    """Queue a new attempt for every failed generation of `run`; return how many.

    Raises RunRefused, retrying nothing, if the new attempts would exceed the monthly budget.
    """
    retried = []
    with transaction.atomic():
        failed = [
            generation
            for generation in run.generations.with_spent()
            .select_related("video_model", "run__prompt")
            .filter(state=Generation.State.FAILED)
            if not generation.video_model.is_retired
        ]
        check_budget(generation_estimate(g) for g in failed)
        for generation in failed:
            if generation_requeue(generation, reason="Retry requested", actor=actor):
                retried.append(generation.pk)
        if retried:
            BenchmarkRun.objects.filter(pk=run.pk).update(
                state=BenchmarkRun.State.RUNNING, finished_at=None
            )
            _dispatch_submits(run, retried)
    return len(retried)


def generations_resubmit(*, generations, actor: str) -> int:
    """Queue a new attempt of each of `generations` waiting for staff review; return how many.

    Raises RunRefused, resubmitting nothing, if the new attempts would exceed the monthly budget.
    """
    with transaction.atomic():
        waiting = list(
            generations.with_spent()
            .select_related("video_model", "run__prompt")
            .filter(state=Generation.State.NEEDS_REVIEW)
        )
        check_budget(generation_estimate(g) for g in waiting)
        resubmitted = [
            generation
            for generation in waiting
            if generation_requeue(generation, reason="Staff chose to resubmit", actor=actor)
        ]
        for generation in resubmitted:
            _dispatch_submits(generation.run, [generation.pk])
    return len(resubmitted)


def generation_requeue(generation: Generation, *, reason: str, actor: str, **evidence) -> bool:
    """Queue a new attempt of `generation` (loaded `with_spent()`); False if another worker did.

    The attempt that ends is kept in the event log (`evidence` adds to or overrides what the row
    says about it), and what it cost is carried forward in `prior_attempts_cost`.
    """
    details = {
        "attempt": generation.attempts,
        "provider_job_id": generation.provider_job_id,
        "request_sent": generation.request_sent,
        "error_kind": generation.error_kind,
        "error_message": generation.error_message,
        "spent": str(generation.spent - generation.prior_attempts_cost),
        "billing_policy": generation.billing_policy,
        "outcome_unknown": generation.outcome_unknown,
        **evidence,
    }
    return generation.transition(
        Generation.State.QUEUED,
        reason=reason,
        actor=actor,
        details=details,
        error_kind="",
        error_message="",
        provider_job_id="",
        actual_cost=None,
        gpu_seconds=None,
        gpu_time_source="",
        outcome_unknown=False,
        provider_failed=False,
        prior_attempts_cost=generation.spent,
        progress=None,
    )


def generations_tag_unusable(*, generations, unusable: bool, actor: str) -> int:
    """Tag `generations` unusable (or usable again) as staff judged them; return how many changed.

    An unusable clip stays on the site but no longer counts as a usable sample (usable rate,
    real cost per usable clip).
    """
    with transaction.atomic():
        changed = list(generations.exclude(tagged_unusable=unusable))
        Generation.objects.filter(pk__in=[g.pk for g in changed]).update(tagged_unusable=unusable)
        for generation in changed:
            generation.log("Tagged unusable" if unusable else "Tagged usable again", actor=actor)
        ids = [g.pk for g in changed]
        transaction.on_commit(
            lambda: signals.clips_tagged.send(sender=Generation, generation_ids=ids)
        )
    return len(changed)
