"""Publishing a run's comparison (comparisons.services)."""

import pytest

from benchmarks.services.runs import RunRefused
from comparisons import signals
from comparisons.models import Comparison
from comparisons.services import comparison_publish
from tests.comparisons.conftest import add_clip, add_failure
from tests.factories import RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def test_a_run_without_a_completed_clip_is_not_published_and_says_why():
    run = RunFactory(state="failed")
    add_failure(run, VideoModelFactory())

    with pytest.raises(RunRefused, match="no completed clip to show yet"):
        comparison_publish(run=run)
    assert not Comparison.objects.filter(run=run).exists()


def test_publishing_again_keeps_the_page_and_adds_the_new_clips(
    django_capture_on_commit_callbacks,
):
    run = RunFactory(state="complete")
    first = add_clip(run, VideoModelFactory(slug="local-smooth"))
    sent = []
    signals.comparison_published.connect(
        lambda sender, comparison, **kw: sent.append(comparison.pk), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            comparison = comparison_publish(run=run, featured=True)
        second = add_clip(run, VideoModelFactory(slug="local-flicker"))
        with django_capture_on_commit_callbacks(execute=True):
            again = comparison_publish(run=run)
    finally:
        signals.comparison_published.disconnect(dispatch_uid="t")

    assert again.pk == comparison.pk and again.slug == comparison.slug  # noqa: PT018
    assert again.published and again.featured  # noqa: PT018
    assert again.published_at == comparison.published_at
    assert set(again.generations.all()) == {first, second}
    assert sent == [comparison.pk, comparison.pk]
