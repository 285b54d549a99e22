"""The database's per-model totals (PostgreSQL: comparisons.aggregates) are the numbers the
Python rules compute from the flat rows: every published rule survives the move to SQL."""

from datetime import timedelta
from decimal import Decimal

import pytest

from benchmarks.models import Generation, QualityReport, VideoAsset
from comparisons.filters import ClipFilter
from comparisons.stats import _totals, _totals_by_model
from tests.comparisons.conftest import add_clip, add_failure, published_run
from tests.factories import PromptFactory, RunFactory, SelfHostedEndpointFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def _timed(generation, *, provider: float, clip_seconds: float | None = 5.0):
    start = generation.run.created_at
    stamps = {
        "queued_at": start,
        "submitting_at": start + timedelta(seconds=1.5),
        "submitted_at": start + timedelta(seconds=2),
        "downloading_at": start + timedelta(seconds=2 + provider),
        "transcoding_at": start + timedelta(seconds=3 + provider),
        "scoring_at": start + timedelta(seconds=5.25 + provider),
        "completed_at": start + timedelta(seconds=6 + provider),
    }
    Generation.objects.filter(pk=generation.pk).update(**stamps)
    if clip_seconds is not None:
        VideoAsset.objects.create(
            generation=generation, tier="original", key=f"o/{generation.pk}",
            content_type="video/mp4", duration=clip_seconds, sha256=f"{generation.pk:064x}",
        )  # fmt: skip


@pytest.fixture
def catalog():
    """Models whose clips exercise every rule: unknown costs, unusable, frozen, flickering,
    self-hosted computed costs, speed and realtime, unpublished and filtered-out clips."""
    steady = VideoModelFactory(slug="steady", synthetic=False)
    shaky = VideoModelFactory(slug="shaky", synthetic=False)
    own = VideoModelFactory(
        slug="own", plugin_key="comfyui", synthetic=False, endpoint=SelfHostedEndpointFactory()
    )
    today = published_run(prompt=PromptFactory(category="scene"), state="complete", samples=4)
    earlier = published_run(
        prompt=PromptFactory(category="motion"), state="complete", samples=4, duration=8
    )
    earlier.created_at -= timedelta(days=3)
    earlier.save()
    for k, seconds in enumerate((10, 35, 70)):
        clip = add_clip(today, steady, sample=k, seconds=seconds, coherence=0.7 + k / 10)
        _timed(clip, provider=seconds)
    _timed(add_clip(earlier, steady, coherence=0.61), provider=12.5, clip_seconds=None)
    add_failure(earlier, steady, sample=1, cost="0.40")
    add_failure(earlier, steady, sample=2, cost="")
    frozen = add_clip(today, shaky, spikes=(1.0, 2.0, 3.0))
    QualityReport.objects.filter(generation=frozen).update(frozen_fraction=0.9)
    tagged = add_clip(earlier, shaky, spikes=(1.0,))
    Generation.objects.filter(pk=tagged.pk).update(tagged_unusable=True)
    unknown = add_clip(earlier, shaky, sample=1)
    Generation.objects.filter(pk=unknown.pk).update(estimated_cost=None)
    add_clip(earlier, shaky, sample=2, spikes=(1.0, 2.0))  # no report below
    QualityReport.objects.filter(generation__sample=2, generation__video_model=shaky).delete()
    for k, cost in enumerate(("0.10", "0.35", "0.20", "0.30")):
        clip = add_clip(today if k % 2 else earlier, own, sample=k, cost="0")
        Generation.objects.filter(pk=clip.pk).update(actual_cost=Decimal(cost), gpu_seconds=1)
    add_clip(RunFactory(state="complete"), steady, coherence=0.1)  # never published


@pytest.mark.parametrize("query", [{}, {"category": "scene"}, {"duration": "8"}])
def test_the_database_totals_are_the_python_rules_totals(catalog, query):
    clip_filter = ClipFilter.from_query(query)
    expected = {}
    for row in Generation.objects.public().matching(clip_filter).stats_rows():
        expected.setdefault(row["video_model_id"], []).append(row)

    # PostgreSQL: through the summaries (and their JSON) to comparisons.aggregates.
    totals = _totals_by_model(clip_filter, with_trend=True)

    assert set(totals) == set(expected)
    for pk, model_rows in expected.items():
        python, database = _totals(model_rows), totals[pk]
        assert _approx(database) == _approx(python)


def _approx(totals) -> dict:
    """Return the totals with floats rounded (a database sums floats in its own order)."""

    def rounded(value):
        return round(value, 9) if isinstance(value, float) else value

    plain = {name: rounded(value) for name, value in vars(totals).items()}
    plain["speed"] = {
        name: (rounded(s.p50), rounded(s.p95), s.count) for name, s in totals.speed.items()
    }
    plain["realtime"] = (
        rounded(totals.realtime.p50), rounded(totals.realtime.p95), totals.realtime.count
    )  # fmt: skip
    plain["trend"] = [(p.day, rounded(p.coherence), p.clips) for p in totals.trend]
    plain["gpu_cost_per_second"] = (
        None if totals.gpu_cost_per_second is None else totals.gpu_cost_per_second.normalize()
    )
    return plain
