"""Start benchmark runs, end them, retry their failures, publish their comparisons."""

import uuid
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from benchmarks import signals
from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoModel
from benchmarks.providers.base import GenerationRequest, PermanentProviderError
from benchmarks.providers.registry import plugin_for
from benchmarks.services import costs
from benchmarks.services.requests import closest_resolution


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
    dispatch: bool = True,
) -> BenchmarkRun:
    """Start one run of `prompt` on `models`, or return the run already made under the key.

    Everything is checked before any provider is called: retired models, what each model can
    do, and the monthly budget. Submissions are queued after the transaction commits (unless
    `dispatch` is False: the caller drives the steps itself, as `seed_demo` does).
    """
    models = list(models)
    if existing := _run_under_key(idempotency_key):
        return existing
    _check_models(prompt, models)
    estimates = _estimate_costs(prompt, models)
    check_budget(estimates.values())
    try:
        with transaction.atomic():
            run = BenchmarkRun.objects.create(
                prompt=prompt,
                suite=suite,
                trigger=trigger,
                requested_by=requested_by,
                idempotency_key=idempotency_key or f"adhoc:{uuid.uuid4()}",
                duration=prompt.duration,
                aspect_ratio=prompt.aspect_ratio,
                seed=seed,
            )
            _generations_create(run, models, estimates, dispatch=dispatch)
    except IntegrityError:
        # A concurrent call with the same key won the race: return its run.
        return BenchmarkRun.objects.get(idempotency_key=idempotency_key)
    return run


def _run_under_key(idempotency_key: str) -> BenchmarkRun | None:
    """Return the run already made under `idempotency_key`, or None (always None for "")."""
    if not idempotency_key:
        return None
    return BenchmarkRun.objects.filter(idempotency_key=idempotency_key).first()


def _estimate_costs(prompt: Prompt, models: list[VideoModel]) -> dict[int, Decimal | None]:
    """Return each model's estimated cost of `prompt`, by model pk (None where unknown)."""
    request = GenerationRequest(
        prompt=prompt.text, duration=prompt.duration, aspect_ratio=prompt.aspect_ratio
    )
    return {model.pk: costs.estimate_cost(model, request) for model in models}


def _generations_create(
    run: BenchmarkRun,
    models: list[VideoModel],
    estimates: dict[int, Decimal | None],
    *,
    dispatch: bool,
) -> None:
    """Create one generation per model; queue their submits for after the commit if `dispatch`."""
    generations = Generation.objects.bulk_create(
        Generation(run=run, video_model=m, estimated_cost=estimates[m.pk]) for m in models
    )
    if dispatch:
        _dispatch_submits([g.pk for g in generations])


def _check_models(prompt: Prompt, models: list[VideoModel]) -> None:
    if not models:
        raise RunRefused("Choose at least one model.")
    problems = []
    request = GenerationRequest(
        prompt=prompt.text,
        duration=prompt.duration,
        aspect_ratio=prompt.aspect_ratio,
        image_url="data:" if prompt.reference_image else "",
    )
    for model in models:
        offered = (model.capabilities or {}).get("resolutions") or []
        request = replace(request, resolution=closest_resolution("720p", offered))
        if model.is_retired:
            retired = f" on {model.retired_on:%Y-%m-%d}" if model.retired_on else ""
            problems.append(f"{model} was retired{retired}; its past clips stay on the site.")
            continue
        try:
            plugin_for(model).validate(request)
        except PermanentProviderError as exc:
            problems.append(exc.message)
    if problems:
        raise RunRefused(" ".join(problems))


def check_budget(estimates: Iterable[Decimal | None]) -> None:
    """Raise RunRefused if attempts costing `estimates` (None: unknown) would exceed the budget."""
    estimate = sum((e for e in estimates if e), Decimal("0"))
    budget = costs.monthly_budget()
    spent = costs.spend_this_month()
    if spent + estimate > budget:
        raise RunRefused(
            f"This would cost about ${estimate:.2f}; ${spent:.2f} of the ${budget:.2f} "
            "monthly budget is already spent or committed. Raise MONTHLY_BUDGET_USD or wait."
        )


def _dispatch_submits(generation_ids: list[int]) -> None:
    from benchmarks import tasks

    for pk in generation_ids:
        transaction.on_commit(lambda pk=pk: tasks.submit_generation.delay(pk))


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
            .select_related("video_model")
            .filter(state=Generation.State.FAILED)
            if not generation.video_model.is_retired
        ]
        check_budget(g.estimated_cost for g in failed)
        for generation in failed:
            if generation_requeue(generation, reason="Retry requested", actor=actor):
                retried.append(generation.pk)
        if retried:
            BenchmarkRun.objects.filter(pk=run.pk).update(
                state=BenchmarkRun.State.RUNNING, finished_at=None
            )
            _dispatch_submits(retried)
    return len(retried)


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
        prior_attempts_cost=generation.spent,
        progress=None,
    )


def comparison_publish(*, run: BenchmarkRun, featured: bool = False):
    """Create or update the comparison of `run` with its completed clips, and publish it."""
    from comparisons.models import Comparison

    completed = list(run.generations.filter(state=Generation.State.COMPLETE))
    if not completed:
        raise RunRefused(f"{run} has no completed clip to show yet.")
    comparison, _ = Comparison.objects.get_or_create(
        run=run,
        defaults={
            "slug": _unique_slug(run),
            "title": run.prompt.title,
            "prompt": run.prompt,
        },
    )
    comparison.generations.set(completed)
    comparison.published = True
    comparison.featured = comparison.featured or featured
    comparison.published_at = comparison.published_at or timezone.now()
    comparison.save()
    transaction.on_commit(
        lambda: signals.comparison_published.send(sender=Comparison, comparison=comparison)
    )
    return comparison


def _unique_slug(run: BenchmarkRun) -> str:
    return f"{slugify(run.prompt.slug)[:80]}-{run.created_at:%Y%m%d}-{run.pk}"
