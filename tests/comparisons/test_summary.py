"""Per-model summaries: the leaderboard reads them, every write that changes a number makes the
model's summary stale (database triggers, so `.update()` counts too), and refreshing only the
stale models gives what recomputing everything from scratch gives."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from benchmarks.models import BenchmarkRun, Generation, QualityReport
from comparisons.filters import ClipFilter
from comparisons.models import Comparison
from comparisons.stats import leaderboard
from comparisons.summary import ModelSummary, summaries_rebuild
from tests.comparisons.conftest import add_clip, add_failure, published_run
from tests.factories import PromptFactory, VideoModelFactory

pytestmark = pytest.mark.django_db

FILTERS = [ClipFilter(), ClipFilter(category="scene"), ClipFilter(mode="t2v", duration=5)]


def _board(clip_filter: ClipFilter) -> list[tuple]:
    """Return every number the leaderboard shows for `clip_filter`, model by model."""
    rows = []
    for row in leaderboard(clip_filter, sort="model"):
        numbers = {k: v for k, v in vars(row).items() if k not in {"model", "rating", "colour"}}
        numbers["trend"] = [(p.day, round(p.coherence, 9), p.clips) for p in row.trend]
        for name in ("coherence", "flicker", "motion", "frozen", "flickering"):
            if numbers[name] is not None:
                numbers[name] = round(numbers[name], 9)
        rows.append((row.model.slug, numbers))
    return rows


@pytest.fixture
def models():
    return [VideoModelFactory(slug=f"m{i}", synthetic=False) for i in range(3)]


def _run(category="scene", **fields):
    return published_run(prompt=PromptFactory(category=category), state="complete", **fields)


def test_changes_of_every_kind_refresh_to_what_a_full_recompute_gives(models):
    a, b, c = models
    first, second = _run(samples=3), _run(category="motion", samples=3)
    clips = [add_clip(first, a, sample=k, seconds=10 * (k + 1)) for k in range(3)]
    add_clip(second, b, coherence=0.6)
    add_failure(second, c, cost="0.30")
    for clip_filter in FILTERS:
        _board(clip_filter)  # the summaries exist from here on

    # Writes of every kind, none through a signal: the triggers see them all.
    Generation.objects.filter(pk=clips[0].pk).update(tagged_unusable=True)
    Generation.objects.filter(pk=clips[1].pk).update(estimated_cost=None)
    QualityReport.objects.filter(generation=clips[2]).update(frozen_fraction=0.9)
    add_clip(_run(), c, spikes=(1.0, 2.0, 3.0))
    BenchmarkRun.objects.filter(pk=second.pk).update(created_at=second.created_at - timedelta(9))
    Comparison.objects.filter(run=first).update(published=False)
    incremental = {f: _board(f) for f in FILTERS}

    summaries_rebuild()
    assert {f: _board(f) for f in FILTERS} == incremental
    board = dict(incremental[ClipFilter()])
    assert "m0" not in board  # its only run's comparison was taken back
    assert board["m2"]["spent"] == Decimal("0.80")  # a failure billed 0.30, then a clip 0.50
    assert board["m2"]["flickering"] == 1.0


def test_a_render_reads_fresh_summaries_and_recomputes_only_stale_models(models):
    a, b, _ = models
    add_clip(_run(), a, seconds=10)
    add_clip(_run(), b, seconds=20)
    leaderboard()
    if connection.vendor != "postgresql":
        assert not ModelSummary.objects.exists()  # SQLite aggregates every render
        return
    assert ModelSummary.objects.filter(filter_key="", stale=False).count() == 3

    add_clip(_run(), b, seconds=40)  # b's summary goes stale; a's stays fresh

    assert list(ModelSummary.objects.filter(stale=True).values_list("video_model", flat=True)) == [
        b.pk
    ]
    rows = {row.model: row for row in leaderboard()}
    assert rows[b].median_time == 30
    assert rows[a].median_time == 10
    assert not ModelSummary.objects.filter(stale=True).exists()


def test_rebuild_summaries_recomputes_the_unfiltered_board(models):
    add_clip(_run(), models[0])
    out = io.StringIO()
    call_command("rebuild_summaries", stdout=out)
    expected = 1 if connection.vendor == "postgresql" else 0  # models with a public clip
    assert out.getvalue().strip() == f"Recomputed the summaries of {expected} models."
