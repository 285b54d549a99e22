"""The reaper: no generation stays in a non-final state forever.

A step whose task was lost (a worker killed mid-step, a message dropped) leaves its generation
untouched for longer than that state ever takes. The reaper queues the step again — steps are
idempotent — or, after a few tries or past the overall deadline, fails it with `timeout`.
"""

import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from benchmarks.models import Generation
from benchmarks.services.pipeline import generation_fail, resume_step

logger = logging.getLogger(__name__)
State = Generation.State

REAPER_ACTOR = "reaper"


@dataclass
class Reaped:
    """What one pass of the reaper did."""

    #: (generation id, the step queued again), in the order they were queued.
    requeued: list[tuple[int, str]] = field(default_factory=list)
    #: Generations failed as `timeout` (too many tries, or past GENERATION_DEADLINE_SECONDS).
    failed: list[int] = field(default_factory=list)
    #: Scratch directories of dead steps removed.
    scratch_swept: int = 0

    def __bool__(self) -> bool:
        return bool(self.requeued or self.failed or self.scratch_swept)


def stale_after(state: str) -> timedelta:
    """Return how long a generation may sit in `state` without any update."""
    return timedelta(seconds=settings.REAPER_STALE_SECONDS.get(state, 1800))


def generations_stuck(now=None):
    """Return non-final generations whose last update is older than their state allows.

    One query: each watched state contributes its own age limit, and the reaper's earlier
    tries are counted in the same query (`reaper_tries`).
    """
    now = now or timezone.now()
    stale = Q()
    for state in settings.REAPER_STALE_SECONDS:
        limit = now - stale_after(state)
        # A generation waiting out a provider's Retry-After is not stuck until the wait is over
        # and its retry had as long as any step to show up: no parallel chain meanwhile.
        not_waiting = Q(waiting_until__isnull=True) | Q(waiting_until__lt=limit)
        stale |= Q(state=state, updated_at__lt=limit) & not_waiting
    return (
        Generation.objects.filter(stale)
        .select_related("video_model", "run")
        .annotate(reaper_tries=Count("events", filter=Q(events__actor=REAPER_ACTOR)))
    )


def generations_reap(now=None) -> Reaped:
    """Re-queue or fail every stuck generation; return which, and how many scratch dirs went."""
    from benchmarks import tasks

    now = now or timezone.now()
    deadline = timedelta(seconds=settings.GENERATION_DEADLINE_SECONDS)
    reaped = Reaped()
    for generation in generations_stuck(now):
        tries = generation.reaper_tries
        if now - generation.queued_at > deadline or tries >= settings.REAPER_MAX_TRIES:
            generation_fail(
                generation,
                kind=Generation.ErrorKind.TIMEOUT,
                message=f"Stuck in {generation.state} since {generation.updated_at:%Y-%m-%d %H:%M}",
                actor=REAPER_ACTOR,
            )
            reaped.failed.append(generation.pk)
            continue
        step = (
            "submit"
            if generation.state in (State.QUEUED, State.SUBMITTING)
            else resume_step(generation).step
        )
        generation.log(f"Re-queued {step} after {generation.state} went stale", actor=REAPER_ACTOR)
        Generation.objects.filter(pk=generation.pk).update(updated_at=now)
        tasks.step_queue(step, generation_id=generation.pk, run_id=generation.run_id)
        reaped.requeued.append((generation.pk, step))
    reaped.scratch_swept = scratch_sweep()
    if reaped:
        logger.warning("Reaper: %s", reaped)
    return reaped


def scratch_sweep(now: float | None = None) -> int:
    """Remove the scratch directories of steps that died (a killed worker can't clean up).

    A step's directory (`WORK_DIR/gen<id>-*`, see pipeline._workdir) is left alone while
    anything in it changed within SCRATCH_STALE_SECONDS, well past the longest media step.
    Returns how many were removed.
    """
    root = Path(settings.WORK_DIR)
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - settings.SCRATCH_STALE_SECONDS
    removed = 0
    for path in root.glob("gen*-*"):
        if path.is_dir() and _newest_mtime(path) < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def _newest_mtime(path: Path) -> float:
    newest = path.stat().st_mtime
    for child in path.rglob("*"):
        try:
            newest = max(newest, child.stat().st_mtime)
        except FileNotFoundError:  # removed by its own step meanwhile
            continue
    return newest
