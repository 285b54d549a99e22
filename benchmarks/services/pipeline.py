"""The steps of one generation: submit, poll, download, transcode, score.

Each step loads the row, checks its state, claims the transition with a conditional update and
returns what should run next. A step that finds the generation in another state does nothing,
so a task delivered twice (acks_late, a worker killed mid-way) is harmless.
"""

import logging
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from benchmarks.models import Generation, QualityReport, VideoAsset
from benchmarks.providers.base import (
    JobStatus,
    JobUnknownError,
    OutcomeUnknownError,
    PermanentProviderError,
    TransientProviderError,
)
from benchmarks.providers.registry import plugin_for
from benchmarks.services.assets import asset_save, original_save, tier_facts
from benchmarks.services.requests import generation_request
from benchmarks.services.runs import (
    RunRefused,
    check_budget,
    generation_estimate,
    generation_requeue,
    run_refresh,
)
from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics import score_video
from media_pipeline.probe import probe, validate
from media_pipeline.storage import store_file
from media_pipeline.transcode import transcode_tiers

logger = logging.getLogger(__name__)
State = Generation.State


@dataclass(frozen=True)
class Next:
    """What the task layer should do after a step: run `step` after `countdown` seconds."""

    step: str  # "poll", "download", "transcode", "score", or "" for nothing
    countdown: float = 0.0


DONE = Next("")
#: First key of the submit advisory lock (the second is the generation id).
SUBMIT_LOCK = 13_0001


def _load(generation_id: int) -> Generation:
    return Generation.objects.select_related("run__prompt", "video_model__endpoint").get(
        pk=generation_id
    )


def generation_fail(generation: Generation, *, kind: str, message: str, actor="pipeline") -> None:
    """Fail the generation with a reason in words, and end its run if it was the last."""
    if generation.is_final:
        return
    generation.transition(
        State.FAILED, reason=message, actor=actor, error_kind=kind, error_message=message
    )
    run_refresh(generation.run_id)


#: Where the provider may still be working (or about to): a staff cancel stops the job there.
#: SUBMITTING is left out: its job id is unknown until the submit call returns, and failing it
#: then would lose the id of a job that bills.
CANCELABLE = (State.QUEUED, State.SUBMITTED, State.GENERATING, State.NEEDS_REVIEW)


def generation_cancel(*, generation: Generation, actor: str) -> bool:
    """Fail `generation` as canceled, queue the cancel of its provider job; False if not in flight.

    The state it was in and its job id stay in the event log. The provider is called by the
    `generation_cancel_job` task on the io queue after commit, never inline (it may hang).
    """
    from benchmarks.tasks import generation_cancel_job

    if generation.state not in CANCELABLE:
        return False
    message = f"Canceled at the provider by {actor}"
    evidence = {"canceled_in": generation.state, "provider_job_id": generation.provider_job_id}
    with transaction.atomic():
        canceled = generation.transition(
            State.FAILED,
            reason=message,
            actor=actor,
            details=evidence,
            error_kind=Generation.ErrorKind.CANCELED,
            error_message=message,
        )
        if canceled and generation.provider_job_id:
            generation_cancel_job.delay_on_commit(generation.pk)
    if canceled:
        run_refresh(generation.run_id)
    return canceled


def generation_cancel_job(generation_id: int) -> None:
    """Ask the provider to stop the job of a canceled generation, and log that it was asked."""
    generation = _load(generation_id)
    job_id = generation.provider_job_id
    # Best effort by the plugin's contract: a job that already ended is left as it is.
    plugin_for(generation.video_model).cancel(job_id)
    generation.log("Asked the provider to cancel the job", provider_job_id=job_id)


# -- submit ----------------------------------------------------------------------------------


@contextmanager
def _submit_lock(generation_id: int):
    """Hold the generation's submit lock for the whole provider call; yield False if taken.

    A PostgreSQL session advisory lock: a second delivery of the submit task (acks_late, the
    reaper) finds it taken and does nothing while the first is still waiting for the provider.
    A worker that dies loses its connection and with it the lock, so recovery can then run.
    SQLite (the embedded default, one machine) has no such lock: there a second delivery finds
    the generation in SUBMITTING and recovers it (lookup by reference, else needs_review), which
    never resubmits, so nothing is paid twice.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [SUBMIT_LOCK, generation_id])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SUBMIT_LOCK, generation_id])


def generation_submit(generation_id: int) -> Next:
    """Submit the generation to its provider, exactly once, one call in flight at a time."""
    with _submit_lock(generation_id) as taken:
        if not taken:
            logger.info(
                "Generation %s: another worker is submitting it; nothing to do", generation_id
            )
            return DONE
        return _submit_locked(generation_id)


def _submit_locked(generation_id: int) -> Next:
    generation = _load(generation_id)
    if generation.state == State.SUBMITTING:
        # Nobody holds the lock: the worker that claimed the submit died mid-call.
        return _recover_submit(generation, why="A submit was interrupted")
    if generation.state != State.QUEUED:
        return resume_step(generation)
    plugin = plugin_for(generation.video_model)
    request = generation_request(generation)
    try:
        plugin.validate(request)
    except PermanentProviderError as exc:
        generation_fail(generation, kind=Generation.ErrorKind.PERMANENT, message=exc.message)
        return DONE
    # Record that a submit is under way *before* calling: a crash from here on leaves a
    # SUBMITTING row that recovery resolves instead of submitting blindly a second time.
    if not generation.transition(
        State.SUBMITTING,
        reason="Submitting",
        attempts=generation.attempts + 1,
        seed=request.seed,
        billing_policy=plugin.billing_policy,
    ):
        return DONE
    return _submit_claimed(generation, plugin, request)


def _submit_claimed(generation: Generation, plugin, request) -> Next:
    """Call the provider for a generation already claimed as SUBMITTING; record its answer."""
    try:
        result = plugin.submit(request)
    except PermanentProviderError as exc:
        generation_fail(generation, kind=Generation.ErrorKind.PERMANENT, message=exc.message)
        return DONE
    except OutcomeUnknownError as exc:  # the provider may have created (and billed) the job
        return _recover_submit(generation, why=f"The submit's outcome is unknown: {exc.message}")
    except TransientProviderError as exc:
        # Refused before acceptance (429, a 500 from the application): nothing was created, a
        # retry may submit again.
        generation.transition(State.QUEUED, reason=f"Submit refused: {exc.message}")
        raise
    return _submit_accepted(generation, plugin, result)


def _submit_accepted(generation: Generation, plugin, result) -> Next:
    """Record the provider's job id and what was sent; poll the job next."""
    fields = {}
    if result.provider_estimate is not None:
        fields["estimated_cost"] = result.provider_estimate
    generation.transition(
        State.SUBMITTED,
        reason=f"Accepted as {result.job_id}",
        details={
            "attempt": generation.attempts,
            "request_sent": result.request_sent,
            "model_version": result.model_version,
            "estimated_cost": str(generation.estimated_cost),
            "provider_estimate": (
                None if result.provider_estimate is None else str(result.provider_estimate)
            ),
        },
        provider_job_id=result.job_id,
        request_sent=result.request_sent,
        model_version=result.model_version or generation.video_model.model_id,
        **fields,
    )
    return Next("poll", plugin.poll_interval * _poll_scale(plugin))


def _recover_submit(generation: Generation, *, why: str) -> Next:
    """Resolve a submit whose outcome is unknown: find the job by our reference, or ask staff.

    Never submits again: the provider may have created the job. Without a lookup the generation
    goes to needs_review with `outcome_unknown`, which counts its estimate as possibly billed.
    """
    plugin = plugin_for(generation.video_model)
    job_id = (
        plugin.find_job(str(generation.reference)) if plugin.supports_reference_lookup else None
    )
    if job_id:
        generation.transition(
            State.SUBMITTED,
            reason=f"{why}. Recovered job {job_id} by our reference",
            provider_job_id=job_id,
        )
        return Next("poll")
    lookup = (
        "no job was found by our reference"
        if plugin.supports_reference_lookup
        else "the provider can't look jobs up by our reference"
    )
    generation.transition(
        State.NEEDS_REVIEW,
        reason=(
            f"{why}; {lookup}. The provider may have billed it: check its dashboard, then "
            "resubmit or give up. Counted as spent until then."
        ),
        outcome_unknown=True,
    )
    return DONE


def resume_step(generation: Generation) -> Next:
    """Return the step that continues a generation found past the step that was asked for."""
    return {
        State.SUBMITTED: Next("poll"),
        State.GENERATING: Next("poll"),
        State.DOWNLOADING: Next("download"),
        State.TRANSCODING: Next("transcode"),
        State.SCORING: Next("score"),
    }.get(generation.state, DONE)


def _poll_scale(plugin) -> float:
    """Scale poll intervals: POLL_INTERVAL_SCALE for all, LOCAL_PROVIDER_SPEED for the demo."""
    scale = settings.POLL_INTERVAL_SCALE
    return scale * settings.LOCAL_PROVIDER_SPEED if plugin.synthetic else scale


# -- poll ------------------------------------------------------------------------------------


def generation_poll(generation_id: int) -> Next:
    """Ask the provider how the job is going; move on when it has finished."""
    generation = _load(generation_id)
    if generation.state not in (State.SUBMITTED, State.GENERATING):
        return resume_step(generation) if generation.state != State.SUBMITTING else DONE
    plugin = plugin_for(generation.video_model)
    try:
        result = plugin.poll(generation.provider_job_id)
    except JobUnknownError as exc:
        return _job_lost(generation, exc.message)
    except PermanentProviderError as exc:
        if exc.code != "404":
            raise
        return _job_lost(generation, exc.message)
    Generation.objects.filter(pk=generation.pk).update(
        polls=F("polls") + 1, updated_at=timezone.now()
    )
    if result.status == JobStatus.SUCCEEDED:
        fields = {"progress": 1.0, **_cost_fields(result)}
        if result.model_version:
            fields["model_version"] = result.model_version
        generation.transition(State.DOWNLOADING, reason="Output ready", **fields)
        return Next("download")
    if result.status in (JobStatus.FAILED, JobStatus.CANCELED):
        return _job_failed(generation, result)
    if result.status == JobStatus.RUNNING and generation.state == State.SUBMITTED:
        generation.transition(
            State.GENERATING, reason="The provider started", progress=result.progress
        )
    elif result.progress is not None:
        Generation.objects.filter(pk=generation.pk).update(progress=result.progress)
    # A provider's own "poll again in" is capped like its Retry-After: no countdown may reach
    # the broker's visibility timeout.
    interval = min(
        result.poll_after or plugin.poll_interval, settings.PROVIDER_RETRY_AFTER_MAX_SECONDS
    )
    return Next("poll", interval * _poll_scale(plugin))


def _job_lost(generation: Generation, message: str) -> Next:
    """A poll lost the job (404, a status we don't know): ask again later, then ask staff.

    The job may still be running and billing, so it is never failed-and-free: after
    POLL_LOST_RETRIES tries, POLL_LOST_DELAY_SECONDS apart, it goes to needs_review.
    """
    since = generation.submitted_at or generation.queued_at
    lost = generation.events.filter(details__poll_lost=True, at__gte=since).count() + 1
    allowed = settings.POLL_LOST_RETRIES
    if lost <= allowed:
        generation.log(f"Poll lost the job ({lost} of {allowed}): {message}", poll_lost=True)
        Generation.objects.filter(pk=generation.pk).update(updated_at=timezone.now())
        return Next("poll", settings.POLL_LOST_DELAY_SECONDS)
    generation.transition(
        State.NEEDS_REVIEW,
        reason=(
            f"Polls lost the job {lost - 1} times: {message} It may still be running and "
            "billing: check the provider's dashboard. Counted as spent."
        ),
    )
    return DONE


def _cost_fields(result) -> dict:
    """Return the cost a poll reported (billed, or computed from a self-hosted job's GPU time)."""
    fields = {}
    if result.actual_cost is not None:
        fields["actual_cost"] = result.actual_cost
    if result.gpu_seconds is not None:
        fields["gpu_seconds"] = result.gpu_seconds
        fields["gpu_time_source"] = result.gpu_time_source
    return fields


def _job_failed(generation: Generation, result) -> Next:
    """Resubmit a job the provider failed if a new attempt may succeed; else fail with why.

    What the failed attempt costs: the billed amount when the provider reports one, else the
    plugin's billing policy (`Generation.provider_failed` + `billing_policy` in `with_spent`).
    """
    fields = {"provider_failed": True, **_cost_fields(result)}
    Generation.objects.filter(pk=generation.pk).update(**fields)
    for name, value in fields.items():
        setattr(generation, name, value)
    message = result.error or f"The job {result.status}."
    if result.status == JobStatus.CANCELED:
        generation_fail(generation, kind=Generation.ErrorKind.CANCELED, message=message)
        return DONE
    if not result.error_permanent:
        refusal = _resubmit_refusal(generation)
        if not refusal:
            return _resubmit(generation, message)
        message = f"{message} Not resubmitted: {refusal}"
    generation_fail(generation, kind=Generation.ErrorKind.PERMANENT, message=message)
    return DONE


def _resubmit_refusal(generation: Generation) -> str:
    """Return why the pipeline won't start a new attempt by itself, or "" if it will."""
    allowed = settings.PROVIDER_FAILURE_RESUBMITS
    made = generation.events.resubmits().count()
    if made >= allowed:
        return (
            f"resubmitted by itself {made} time(s) already; "
            f"PROVIDER_FAILURE_RESUBMITS is {allowed}."
        )
    try:
        check_budget([generation_estimate(generation)])
    except RunRefused as exc:
        return str(exc)
    return ""


def _resubmit(generation: Generation, message: str) -> Next:
    """Queue a new attempt, keeping the failed one's evidence and cost."""
    spent = Generation.objects.with_spent().get(pk=generation.pk)
    reason = (
        f"The provider failed the job: {message} It says a new attempt may succeed: "
        f"attempt {generation.attempts + 1} is submitted by the pipeline."
    )
    evidence = {"error_kind": Generation.ErrorKind.PERMANENT, "error_message": message}
    if not generation_requeue(spent, reason=reason, actor="pipeline", **evidence):
        return DONE
    return Next("submit")


# -- download --------------------------------------------------------------------------------


@contextmanager
def _workdir(generation: Generation):
    root = Path(settings.WORK_DIR)
    root.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"gen{generation.pk}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def generation_download(generation_id: int) -> Next:
    """Stream the clip into storage as the `original` tier, after checking it is a video."""
    generation = _load(generation_id)
    if generation.state != State.DOWNLOADING:
        return resume_step(generation)
    plugin = plugin_for(generation.video_model)
    result = plugin.poll(generation.provider_job_id)  # fresh output URL: signed URLs expire
    with _workdir(generation) as work:
        path = work / "original.mp4"
        try:
            with open(path, "wb") as fh:
                plugin.download(result, fh)
        except PermanentProviderError as exc:  # expired URL, no output: a new poll can't help
            kind = Generation.ErrorKind.INVALID_OUTPUT
            generation_fail(generation, kind=kind, message=exc.message)
            return DONE
        try:
            info = probe(path)
            validate(info)
        except InvalidMedia as exc:
            generation_fail(generation, kind=Generation.ErrorKind.INVALID_OUTPUT, message=str(exc))
            return DONE
        key, sha256 = store_file(path, tier=VideoAsset.Tier.ORIGINAL)
        with transaction.atomic():
            original_save(generation, key=key, sha256=sha256, info=info)
            generation.transition(State.TRANSCODING, reason=f"Downloaded {info.size_bytes} bytes")
    return Next("transcode")


# -- transcode and score ---------------------------------------------------------------------


@contextmanager
def _original_on_disk(generation: Generation, work: Path):
    """Yield a local path of the generation's original (downloaded from storage if remote)."""
    asset = generation.assets.get(tier=VideoAsset.Tier.ORIGINAL)
    path = work / "source.mp4"
    with asset.storage.open(asset.key, "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    yield path


def generation_transcode(generation_id: int) -> Next:
    """Write the web tiers and the poster from the original."""
    generation = _load(generation_id)
    if generation.state != State.TRANSCODING:
        return resume_step(generation)
    with _workdir(generation) as work, _original_on_disk(generation, work) as source:
        try:
            tiers = transcode_tiers(source, work / "out")
        except InvalidMedia as exc:
            generation_fail(generation, kind=Generation.ErrorKind.INVALID_OUTPUT, message=str(exc))
            return DONE
        stored = [(tier, *store_file(tier.path, tier=tier.tier)) for tier in tiers]
    with transaction.atomic():
        for tier, key, sha256 in stored:
            asset_save(
                generation,
                tier=tier.tier,
                key=key,
                sha256=sha256,
                content_type=tier.content_type,
                **tier_facts(tier),
            )
        generation.transition(State.SCORING, reason=f"Transcoded {len(stored)} tiers")
    return Next("score")


def generation_score(generation_id: int) -> Next:
    """Score the original clip and complete the generation."""
    generation = _load(generation_id)
    if generation.state != State.SCORING:
        return resume_step(generation)
    with _workdir(generation) as work, _original_on_disk(generation, work) as source:
        try:
            scores = score_video(source)
        except InvalidMedia as exc:
            generation_fail(generation, kind=Generation.ErrorKind.INVALID_OUTPUT, message=str(exc))
            return DONE
    with transaction.atomic():
        quality_report_save(generation, scores)
        generation.transition(State.COMPLETE, reason="Scored")
    run_refresh(generation.run_id)
    return DONE


def quality_report_save(generation: Generation, scores) -> QualityReport:
    """Store `scores` as the generation's quality report, replacing an older one."""
    values = scores.as_dict()
    fields = {f.name for f in QualityReport._meta.get_fields()}
    defaults = {k: v for k, v in values.items() if k in fields}
    report, _ = QualityReport.objects.update_or_create(generation=generation, defaults=defaults)
    return report


def quality_report_rescore(generation: Generation) -> QualityReport:
    """Score the generation's original again with the current algorithm."""
    with _workdir(generation) as work, _original_on_disk(generation, work) as source:
        scores = score_video(source)
    return quality_report_save(generation, scores)
