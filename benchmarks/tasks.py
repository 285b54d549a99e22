"""Celery tasks: thin wrappers that take a generation id, run one pipeline step, queue the next.

Provider calls and downloads run on the `io` queue; transcoding and scoring on `media`
(CELERY_TASK_ROUTES in settings).
"""

import logging
from datetime import timedelta

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from benchmarks.models import Generation
from benchmarks.providers.base import TransientProviderError
from benchmarks.services import pipeline
from benchmarks.services.pipeline import Next
from config.celery_app import Task
from config.logging import task_header

logger = logging.getLogger(__name__)

#: Transient errors: up to 8 retries, backing off 2, 4, 8 ... s, capped at 10 min, jittered; a
#: provider's Retry-After wins, capped at PROVIDER_RETRY_AFTER_MAX_SECONDS.
MAX_RETRIES = 8
BACKOFF_FIRST = 2
BACKOFF_MAX = 600
#: Hard limits for one media step; a 2-minute 4K clip transcodes well within this.
MEDIA_SOFT_LIMIT = 20 * 60


class PipelineTask(Task):
    """Idempotent steps: acknowledged after they run, re-delivered if the worker dies.

    Retries are made here, not by Celery's `autoretry_for` (which catches the error before
    anything can read its Retry-After): a provider's Retry-After sets the countdown, capped by
    PROVIDER_RETRY_AFTER_MAX_SECONDS, and is shown on the generation (`waiting_until`) so the
    admin says "waiting for the provider until 14:05" and the reaper doesn't start a parallel
    chain meanwhile. Otherwise: exponential backoff with jitter, capped at BACKOFF_MAX.
    """

    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    max_retries = MAX_RETRIES

    def __call__(self, generation_id, *args, **kwargs):
        try:
            return super().__call__(generation_id, *args, **kwargs)
        except (TransientProviderError, OSError) as exc:
            if self.request.retries >= self.max_retries:
                raise
            countdown = retry_countdown(exc, self.request.retries)
            if getattr(exc, "retry_after", None):
                waiting_until = timezone.now() + timedelta(seconds=countdown)
                Generation.objects.filter(pk=generation_id).update(
                    waiting_until=waiting_until, updated_at=timezone.now()
                )
            raise self.retry(exc=exc, countdown=countdown) from exc

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Fail the generation, in words, once retries are exhausted or the error is a bug."""
        kind = (
            Generation.ErrorKind.TRANSIENT_EXHAUSTED
            if isinstance(exc, TransientProviderError | OSError)
            else Generation.ErrorKind.PERMANENT
        )
        message = getattr(exc, "message", "") or f"{exc.__class__.__name__}: {exc}"
        generation = Generation.objects.filter(pk=args[0]).first()
        if generation:
            pipeline.generation_fail(generation, kind=kind, message=message)


def retry_countdown(exc: Exception, retries: int) -> float:
    """Return the seconds before the next try: the provider's Retry-After, else backoff."""
    asked = getattr(exc, "retry_after", None)
    if asked:
        return min(float(asked), settings.PROVIDER_RETRY_AFTER_MAX_SECONDS)
    return get_exponential_backoff_interval(
        factor=BACKOFF_FIRST, retries=retries, maximum=BACKOFF_MAX, full_jitter=True
    )


def step_queue(step: str, *, generation_id: int, run_id: int | None, countdown=None) -> None:
    """Queue pipeline `step` for a generation once the current transaction commits.

    Every pipeline dispatch goes through here (services, reaper, webhook, admin, the steps
    themselves): the ids ride in the message headers, where the JSON logs read them without a
    query (config/logging.py). Outside a transaction the task is queued at once.
    """
    ids = {"generation_id": generation_id, "run_id": run_id}
    STEPS[step].apply_async_on_commit((generation_id,), countdown=countdown or None, headers=ids)


def dispatch(task: Task, generation_id: int, step: Next) -> None:
    """Queue the step that follows `task` (after its countdown), for the same generation."""
    if step.step:
        run_id = task_header(task.request, "run_id")
        step_queue(step.step, generation_id=generation_id, run_id=run_id, countdown=step.countdown)


@shared_task(base=PipelineTask, bind=True)
def generation_submit(self, generation_id: int):
    dispatch(self, generation_id, pipeline.generation_submit(generation_id))


@shared_task(base=PipelineTask, bind=True)
def generation_poll(self, generation_id: int):
    dispatch(self, generation_id, pipeline.generation_poll(generation_id))


@shared_task(base=PipelineTask, bind=True)
def generation_download(self, generation_id: int):
    dispatch(self, generation_id, pipeline.generation_download(generation_id))


@shared_task(base=PipelineTask, bind=True, soft_time_limit=MEDIA_SOFT_LIMIT)
def generation_transcode(self, generation_id: int):
    dispatch(self, generation_id, pipeline.generation_transcode(generation_id))


@shared_task(base=PipelineTask, bind=True, soft_time_limit=MEDIA_SOFT_LIMIT)
def generation_score(self, generation_id: int):
    dispatch(self, generation_id, pipeline.generation_score(generation_id))


STEPS = {
    "submit": generation_submit,
    "poll": generation_poll,
    "download": generation_download,
    "transcode": generation_transcode,
    "score": generation_score,
}


@shared_task(ignore_result=True)
def generation_cancel_job(generation_id: int):
    """Staff canceled the generation: stop its job at the provider (io queue, after commit)."""
    pipeline.generation_cancel_job(generation_id)


@shared_task(ignore_result=True)
def generations_reap():
    """Beat, every minute: re-queue or fail generations stuck past their state's timeout."""
    from benchmarks.services import reaper

    reaper.generations_reap()


@shared_task(ignore_result=True)
def suite_run(suite_id: int):
    """Beat, on the suite's schedule: one run per prompt of the suite."""
    from benchmarks.models import PromptSuite
    from benchmarks.services import suites

    suite = PromptSuite.objects.filter(pk=suite_id).first()
    if suite:
        suites.suite_run(suite)
