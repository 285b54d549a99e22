"""Make cached public pages stale when what they show changes.

The pipeline's signals (a finished run, tagged clips) and comparisons' own (a published
comparison) are sent after commit;
saves of the catalog cover staff editing in the admin (a price, a model's notes, unpublishing a
comparison). Generations are not watched: they change constantly while a run is under way, and
the run's end is what makes their numbers public.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from benchmarks import signals
from benchmarks.models import BenchmarkRun, Price, Prompt, PromptPattern, Provider, VideoModel
from comparisons import signals as comparison_signals
from comparisons.cache import invalidate_public_pages
from comparisons.models import Comparison
from comparisons.services import comparison_publish

#: Models whose rows appear on public pages and are edited by staff.
SHOWN = (Comparison, Prompt, VideoModel, Price, Provider, PromptPattern)


@receiver(signals.run_finished, dispatch_uid="comparisons.run_finished")
@receiver(comparison_signals.comparison_published, dispatch_uid="comparisons.comparison_published")
@receiver(signals.clips_tagged, dispatch_uid="comparisons.clips_tagged")
def pipeline_changed(sender, **kwargs):
    invalidate_public_pages()


@receiver(comparison_signals.comparison_published, dispatch_uid="comparisons.share_image")
def queue_share_image(sender, comparison, **kwargs):
    """Draw the grid of posters a shared link shows (sent after commit: the row is there)."""
    from comparisons.tasks import comparison_make_share_image

    comparison_make_share_image.delay(comparison.pk)


@receiver(signals.run_finished, dispatch_uid="comparisons.publish_demo")
def publish_finished_demo(sender, run, **kwargs):
    """Publish a demo run's comparison when its clips are done (`seed_demo --background`)."""
    if run.trigger == BenchmarkRun.Trigger.DEMO and run.state == BenchmarkRun.State.COMPLETE:
        with transaction.atomic():
            comparison_publish(run=run, featured=True)


@receiver(signals.generation_finished, dispatch_uid="comparisons.import_joins")
def imported_clip_joins_its_comparison(sender, generation, **kwargs):
    """Add a clip imported into a comparison to its page once it is transcoded and scored."""
    slug = (generation.request_sent or {}).get("comparison")
    if not slug or generation.state != generation.State.COMPLETE:
        return
    comparison = Comparison.objects.filter(slug=slug).first()
    if comparison is not None:
        comparison.generations.add(generation)


def staff_changed(sender, **kwargs):
    # After commit: a page rebuilt before the commit would otherwise be cached with old rows.
    transaction.on_commit(invalidate_public_pages)


for model in SHOWN:
    post_save.connect(
        staff_changed, sender=model, dispatch_uid=f"comparisons.save.{model.__name__}"
    )
    post_delete.connect(
        staff_changed, sender=model, dispatch_uid=f"comparisons.delete.{model.__name__}"
    )
m2m_changed.connect(
    staff_changed, sender=Comparison.generations.through, dispatch_uid="comparisons.m2m"
)
