"""Per-model summaries: the leaderboard reads them, every write that changes a number makes the
model's summary stale (database triggers, so `.update()` counts too), and refreshing only the
stale models gives what recomputing everything from scratch gives."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from benchmarks.models import BenchmarkRun, Generation, QualityReport, VideoModel
from comparisons import stats
from comparisons.filters import ClipFilter
from comparisons.models import Comparison
from comparisons.stats import leaderboard
from comparisons.summary import ModelSummary, summaries_rebuild
from tests.comparisons.conftest import add_clip, add_failure, published_run
from tests.factories import (
    PriceFactory,
    PromptFactory,
    SelfHostedEndpointFactory,
    VideoModelFactory,
)

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


def _ranked_here(clip_filter: ClipFilter, attribute: str, descending: bool) -> list[int]:
    """Return model ids ranked by `stats._sorted` (Python) from the same summaries."""
    by_model = stats._totals_by_model(clip_filter)
    names, costs = VideoModel.objects.names(), stats._list_costs_now(None)
    table = [stats._model_stats(pk, *names[pk], t, costs.get(pk)) for pk, t in by_model.items()]
    return [row.model_pk for row in stats._sorted(table, attribute, descending)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL ranks the summaries")
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("attribute", sorted({attribute for attribute, _ in stats.SORTS.values()}))
def test_the_database_ranks_every_sort_as_python_does(attribute, descending):
    """PostgreSQL ranks a board (stats._ranked_rows) by the rules `stats._sorted` applies: ties
    by name in the sort's direction, unknown numbers last by name, steady models first."""
    now = timezone.now()
    catalogue = {
        # display name: (clips' coherence, price per second, failures)
        "alpha": ([0.9, 0.8], "0.10", 0),
        "Beta": ([0.85], "0.05", 1),
        "gamma": ([0.85], None, 0),  # no list price: cost unknown
        "Delta": ([0.95], "0.20", 2),
        "epsilon": ([0.7, 0.75, 0.8], "0.05", 0),
        "Zeta frozen": ([0.99], "0.01", 0),  # mostly frozen: never above a steady model
    }
    for name, (coherences, price, failures) in catalogue.items():
        model = VideoModelFactory(slug=name.lower().replace(" ", "-"), display_name=name,
                                  synthetic=False)  # fmt: skip
        if price:
            PriceFactory(video_model=model, amount=price, valid_from=now - timedelta(days=1))
        for k, coherence in enumerate(coherences):
            run = _run(category="motion" if k % 2 else "scene")
            add_clip(run, model, coherence=coherence, seconds=10 + 7 * k, cost=f"0.{k + 3}0")
        for _ in range(failures):
            add_failure(_run(), model, cost="")
    QualityReport.objects.filter(generation__video_model__slug="zeta-frozen").update(
        frozen_fraction=0.9
    )
    unknown_spend = add_clip(_run(), VideoModelFactory(slug="eta", display_name="eta",
                                                       synthetic=False))  # fmt: skip
    Generation.objects.filter(pk=unknown_spend.pk).update(estimated_cost=None)
    own = VideoModelFactory(slug="theta", display_name="Theta", plugin_key="comfyui",
                            synthetic=False, endpoint=SelfHostedEndpointFactory())  # fmt: skip
    clip = add_clip(_run(), own, cost="0")
    Generation.objects.filter(pk=clip.pk).update(actual_cost=Decimal("0.13"), gpu_seconds=1)

    for clip_filter in (ClipFilter(), ClipFilter(category="motion")):
        sort = next(key for key, (name, _) in stats.SORTS.items() if name == attribute)
        board = leaderboard(clip_filter, sort=sort, descending=descending)
        assert [row.model.pk for row in board] == _ranked_here(clip_filter, attribute, descending)
        assert [row.model.pk for row in board[2:4]] == [row.model.pk for row in board][2:4]
