"""The leaderboard's numbers: medians, real cost, success rate, prices, filters and sorting."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from benchmarks.models import Generation, Price, VideoModel
from comparisons.filters import ClipFilter
from comparisons.models import Comparison
from comparisons.stats import TrendPoint, coarsen, leaderboard, parse_sort
from tests.comparisons.conftest import add_clip, add_failure, published_run
from tests.factories import (
    PriceFactory,
    PromptFactory,
    RunFactory,
    SelfHostedEndpointFactory,
    VideoModelFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    return VideoModelFactory(slug="acme-one", display_name="Acme One", synthetic=False)


def _run(**prompt_fields):
    return published_run(prompt=PromptFactory(**prompt_fields), state="complete")


def test_generation_time_is_the_median_time_at_the_provider(model):
    for seconds in (10, 30, 200):
        add_clip(_run(), model, seconds=seconds)
    (row,) = leaderboard()
    assert row.median_time == 30


def test_real_cost_per_usable_clip_counts_failed_attempts(model):
    add_clip(_run(), model, cost="0.60")
    add_clip(_run(), model, cost="0.60")
    add_failure(_run(), model, cost="0.60")
    add_failure(_run(), model, cost="")  # not billed: costs nothing
    (row,) = leaderboard()
    assert row.real_cost_per_clip == Decimal("0.90")  # 1.80 spent for 2 clips
    assert row.success_rate == 0.5
    assert row.clips == 2


def test_the_billed_cost_wins_over_the_estimate(model):
    generation = add_clip(_run(), model, cost="1.00")
    generation.actual_cost = Decimal("0.40")
    generation.save()
    (row,) = leaderboard()
    assert row.real_cost_per_clip == Decimal("0.40")


def test_cost_per_clip_uses_the_price_valid_now(model):
    now = timezone.now()
    PriceFactory(video_model=model, amount="0.20", valid_from=now - timedelta(days=90))
    PriceFactory(video_model=model, amount="0.10", valid_from=now - timedelta(days=1))
    PriceFactory(video_model=model, amount="0.01", valid_from=now + timedelta(days=30))
    add_clip(_run(), model)
    (row,) = leaderboard()
    assert row.cost_per_clip == Decimal("0.50")  # 5 s at $0.10 per second


def test_a_per_clip_price_is_the_cost_of_a_clip(model):
    PriceFactory(video_model=model, amount="0.35", unit=Price.Unit.CLIP)
    add_clip(_run(), model)
    (row,) = leaderboard()
    assert row.cost_per_clip == Decimal("0.35")


def test_models_without_a_generation_or_with_only_unpublished_runs_are_left_out(model):
    VideoModelFactory(slug="idle")
    # A staff test run of a library prompt, never published (a model with no key: 0 %, $0.60).
    add_failure(RunFactory(prompt=PromptFactory(published=True), state="failed"), model)
    # A published comparison taken back.
    add_clip(published_run(prompt=PromptFactory(published=True), state="complete"), model)
    Comparison.objects.update(published=False)
    assert not leaderboard()
    assert not VideoModel.objects.benchmarked().exists()


def test_a_slice_of_the_board_reads_its_own_rows(model, django_assert_num_queries):
    """A page shows 50 of 300 models: reading every model's numbers and model was most of a
    leaderboard render at a year's data."""
    for name in ("Delta", "Beta", "Gamma"):
        add_clip(_run(), VideoModelFactory(slug=name.lower(), display_name=name, synthetic=False))
    add_clip(_run(), model)
    board = leaderboard(sort="model")
    assert len(board) == 4
    # PostgreSQL: the slice's ranks, then their summaries and models; SQLite: their models.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        page = board[1:3]
    assert [row.model.display_name for row in page] == ["Beta", "Delta"]
    assert board[-1].model.display_name == "Gamma"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "motion"}, ["Acme One"]),
        ({"mode": "i2v"}, ["Beta"]),
        ({"mode": "t2v"}, ["Acme One"]),
        ({"duration": "8"}, ["Beta"]),
        ({"aspect": "9:16"}, ["Beta"]),
        ({"category": "bogus", "duration": "x"}, ["Acme One", "Beta"]),
    ],
)
def test_filters_select_the_clips_counted(model, query, expected):
    add_clip(_run(category="motion"), model)
    beta = VideoModelFactory(slug="beta", display_name="Beta", synthetic=False)
    i2v = published_run(
        prompt=PromptFactory(category="scene", reference_image="prompt-images/a.png"),
        state="complete",
        duration=8,
        aspect_ratio="9:16",
    )
    add_clip(i2v, beta)
    rows = leaderboard(ClipFilter.from_query(query), sort="model")
    assert [row.model.display_name for row in rows] == expected


def test_sorting_puts_models_without_a_number_last_either_way(model):
    slow = VideoModelFactory(slug="slow", display_name="Slow", synthetic=False)
    unknown = VideoModelFactory(slug="unknown", display_name="Unknown", synthetic=False)
    add_clip(_run(), model, seconds=10)
    add_clip(_run(), slow, seconds=100)
    add_failure(_run(), unknown)
    fastest = leaderboard(sort="time")
    slowest = leaderboard(sort="time", descending=True)
    assert [r.model.slug for r in fastest] == ["acme-one", "slow", "unknown"]
    assert [r.model.slug for r in slowest] == ["slow", "acme-one", "unknown"]


def test_a_sort_parameter_names_a_column_and_a_minus_flips_it():
    assert parse_sort("coherence") == ("coherence", True)
    assert parse_sort("-coherence") == ("coherence", False)
    assert parse_sort("time") == ("time", False)
    assert parse_sort("-time") == ("time", True)
    assert parse_sort("drop table") == ("coherence", True)


def test_the_trend_has_one_point_per_benchmark_day(model):
    today = timezone.now()
    for days_ago, coherence in ((10, 0.6), (10, 0.8), (1, 0.9)):
        run = published_run(
            prompt=PromptFactory(), state="complete", created_at=today - timedelta(days=days_ago)
        )
        add_clip(run, model, coherence=coherence)
    (row,) = leaderboard()
    assert [round(p.coherence, 3) for p in row.trend] == [0.7, 0.9]
    assert [p.clips for p in row.trend] == [2, 1]


def test_mostly_frozen_models_rank_after_moving_ones_on_coherence(model):
    frozen = VideoModelFactory(slug="frozen", display_name="Frozen", synthetic=False)
    add_clip(_run(), model, coherence=0.7)
    still = add_clip(_run(), frozen, coherence=0.99)
    still.quality_report.frozen_fraction = 0.95
    still.quality_report.save()
    rows = leaderboard(sort="coherence")
    assert [r.model.slug for r in rows] == ["acme-one", "frozen"]
    assert rows[1].mostly_frozen


def test_the_default_order_and_cost_sorts_never_reward_frozen_or_flickering_models(model):
    frozen = VideoModelFactory(slug="frozen", display_name="Frozen", synthetic=False)
    flicker = VideoModelFactory(slug="flicker", display_name="Flicker", synthetic=False)
    add_clip(_run(), model, coherence=0.8, cost="0.60")
    add_clip(_run(), flicker, coherence=0.97, cost="0.20", spikes=(1.0, 2.0, 3.0, 4.0))
    still = add_clip(_run(), frozen, coherence=0.99, cost="0.10")
    still.quality_report.frozen_fraction = 0.95
    still.quality_report.flicker_score = 0.0
    still.quality_report.save()
    for sort in ("coherence", "flicker", "real_cost"):
        assert leaderboard(sort=sort)[0].model == model, sort


def test_an_import_without_a_cost_makes_the_real_cost_unknown_not_zero(model):
    run = published_run(prompt=PromptFactory(), state="complete", trigger="import")
    clip = add_clip(run, model)
    Generation.objects.filter(pk=clip.pk).update(estimated_cost=None, provider_job_id="")
    (row,) = leaderboard(sort="real_cost")
    assert row.spent is None
    assert row.real_cost_per_clip is None


def test_an_unpriced_models_accepted_job_makes_its_real_cost_unknown(client, model):
    clip = add_clip(_run(), model)
    Generation.objects.filter(pk=clip.pk).update(estimated_cost=None)
    (row,) = leaderboard()
    assert row.real_cost_per_clip is None
    html = client.get(reverse("comparisons:leaderboard")).content.decode()
    assert "$0.00" not in html


def test_a_self_hosted_models_cost_per_clip_is_computed_from_its_clips_not_a_list_price(client):
    own = VideoModelFactory(
        slug="wan-box", display_name="Wan box", plugin_key="comfyui", synthetic=False,
        endpoint=SelfHostedEndpointFactory(),
    )  # fmt: skip
    for cost in ("0.10", "0.30", "0.20"):  # computed GPU cost of three 5 s clips
        clip = add_clip(published_run(prompt=PromptFactory(), duration=5), own, cost="0")
        Generation.objects.filter(pk=clip.pk).update(actual_cost=Decimal(cost), gpu_seconds=1)

    (row,) = leaderboard()

    assert row.cost_computed is True
    assert row.cost_per_clip == Decimal("0.2000")  # median $0.04/s × the 5 s reference
    page = client.get("/leaderboard/").content.decode()
    assert "self-hosted, computed" in page


def test_a_self_hosted_model_without_a_computed_cost_says_unknown(client):
    own = VideoModelFactory(
        slug="wan-box", display_name="Wan box", plugin_key="comfyui", synthetic=False,
        endpoint=SelfHostedEndpointFactory(),
    )  # fmt: skip
    clip = add_clip(_run(), own, cost="0")
    Generation.objects.filter(pk=clip.pk).update(estimated_cost=None)

    (row,) = leaderboard()

    assert row.cost_per_clip is None
    assert (
        "No clip of this self-hosted model has a computed cost yet"
        in client.get("/leaderboard/").content.decode()
    )


def test_a_long_trend_is_drawn_per_span_of_days_with_clip_weighted_means():
    first = date(2026, 1, 1)
    trend = [
        TrendPoint(first, 0.6, 1),
        TrendPoint(first + timedelta(days=2), 0.9, 3),
        TrendPoint(first + timedelta(days=7), 0.5, 2),
    ]
    coarse = coarsen(trend, first=first, days=7)
    assert [p.day for p in coarse] == [first, first + timedelta(days=7)]
    assert [round(p.coherence, 6) for p in coarse] == [0.825, 0.5]
    assert [p.clips for p in coarse] == [4, 2]
    assert coarsen(trend, first=first, days=1) == trend


def test_the_leaderboard_trend_draws_the_tables_first_models_with_bounded_points(client):
    # 10 models benchmarked over 200 days: the chart draws the table's first 8 (best first),
    # each with at most 60 points; it was every model's every day, growing with the data.
    models = [
        VideoModelFactory(slug=f"m{i}", display_name=f"Model {i:02}", synthetic=False)
        for i in range(10)
    ]
    today = timezone.now()
    for day in range(0, 200, 10):
        run = published_run(
            prompt=PromptFactory(), state="complete", created_at=today - timedelta(days=day)
        )
        for i, model in enumerate(models):
            add_clip(run, model, coherence=0.5 + i / 30)
    html = client.get(reverse("comparisons:leaderboard")).content.decode()
    chart = html[html.index("Coherence across re-benchmarks") :]
    chart = chart[: chart.index("</figure>")]
    assert chart.count("<polyline") == 8
    assert "Model 09" in chart and "Model 02" in chart and "Model 01" not in chart  # noqa: PT018
    assert "per 4 days of benchmarks" in chart
    assert "The table's first 8 models" in chart


def test_a_model_page_draws_its_own_trend(client, model):
    today = timezone.now()
    for days_ago in (10, 1):
        run = published_run(
            prompt=PromptFactory(), state="complete", created_at=today - timedelta(days=days_ago)
        )
        add_clip(run, model, coherence=0.8)
    html = client.get(model.get_absolute_url()).content.decode()
    assert "Coherence across re-benchmarks" in html
    assert html.count("<polyline") == 1


def test_a_model_pages_clip_count_is_the_clips_it_lists_under_its_filter(client, model):
    # The count comes with the model's numbers (its summary), not from a COUNT of its clips.
    scene = _run(category="scene")
    for sample in range(3):
        add_clip(scene, model, sample=sample)
    add_failure(scene, model, sample=3)  # ended, but not a clip
    add_clip(RunFactory(prompt=PromptFactory(category="scene")), model)  # not published
    add_clip(_run(category="motion"), model)
    for query, clips in (("?category=scene", 3), ("", 4)):
        html = client.get(model.get_absolute_url() + query).content.decode()
        assert f'All its clips <span class="muted small">({clips})</span>' in html
        assert html.count('<article class="mini-clip"') == clips  # the list itself, below
