"""Scheduled re-benchmarks of prompt suites."""

import json
import logging

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from benchmarks.models import BenchmarkRun, PromptSuite
from benchmarks.services.runs import RunRefused, run_start

logger = logging.getLogger(__name__)

SUITE_TASK = "benchmarks.tasks.suite_run"


@transaction.atomic
def suite_schedule_sync(suite: PromptSuite) -> None:
    """Create, update or disable the beat entry of `suite` to match its schedule."""
    task = suite.periodic_task
    if suite.schedule is None:
        if task:
            task.enabled = False
            task.save(update_fields=["enabled"])
        return
    if task is None:
        task = PeriodicTask(task=SUITE_TASK)
    task.name = f"Re-benchmark suite {suite.slug}"
    task.crontab = suite.schedule
    task.args = json.dumps([suite.pk])
    task.enabled = suite.schedule_enabled
    task.save()
    if suite.periodic_task_id != task.pk:
        PromptSuite.objects.filter(pk=suite.pk).update(periodic_task=task)
        suite.periodic_task = task


def suite_run(suite: PromptSuite, *, fired_at=None) -> list[BenchmarkRun]:
    """Start one run per prompt of `suite`; a second firing in the same minute starts nothing.

    The idempotency key is suite + prompt + the minute the schedule fired (crontab's
    resolution), so two beats firing the same tick share one run per prompt.
    """
    fired_at = (fired_at or timezone.now()).replace(second=0, microsecond=0)
    models = list(suite.video_models.usable())
    runs = []
    for prompt in suite.prompts.all():
        key = f"suite:{suite.pk}:prompt:{prompt.pk}:{fired_at:%Y-%m-%dT%H:%M}"
        try:
            runs.append(
                run_start(
                    prompt=prompt,
                    models=models,
                    trigger=BenchmarkRun.Trigger.SCHEDULE,
                    suite=suite,
                    idempotency_key=key,
                )
            )
        except RunRefused as exc:
            logger.warning("Scheduled run of %s refused: %s", prompt, exc)
    return runs
