"""Publish a run's comparison: the page that shows its clips side by side.

`comparison_publish` is called by staff in the admin (`benchmarks/admin.py`), by `seed_demo`
and, for a demo run that finishes in the background, by `receivers.publish_finished_demo`. It
sends `signals.comparison_published` after commit; `receivers.py` makes the cached pages stale
and queues the share image (`tasks.comparison_make_share_image`).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from benchmarks.models import BenchmarkRun, Generation
from benchmarks.services.runs import RunRefused
from comparisons import signals
from comparisons.models import Comparison


def comparison_publish(*, run: BenchmarkRun, featured: bool = False) -> Comparison:
    """Create or update the comparison of `run` with its completed clips, and publish it."""
    completed = list(run.generations.filter(state=Generation.State.COMPLETE))
    if not completed:
        raise RunRefused(f"{run} has no completed clip to show yet.")
    comparison, _ = Comparison.objects.get_or_create(
        run=run,
        defaults={
            # Unique by the run's pk; the date makes a re-benchmark's URL tell the two apart.
            "slug": f"{slugify(run.prompt.slug)[:80]}-{run.created_at:%Y%m%d}-{run.pk}",
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
