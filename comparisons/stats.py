"""Leaderboard aggregation: one row of numbers per video model.

The database aggregates (comparisons.querysets.ClipQuerySet.model_summaries and
coherence_by_day): what comes back is a row per model and one per model and day, whatever the
number of clips. The median time at the provider is PostgreSQL's percentile_cont; SQLite, which
has none, sends the completed clips' two timestamps and Python takes the median (slower, and
only for the embedded default).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection

from benchmarks.models import Price, VideoModel
from comparisons.clips import FROZEN_SHARE
from comparisons.querysets import ClipFilter, clips, prices, video_models

#: The clip length the leaderboard prices, in seconds: most providers' default.
REFERENCE_SECONDS = 5


@dataclass
class TrendPoint:
    day: date
    coherence: float
    clips: int


@dataclass
class ModelStats:
    """What the leaderboard shows about one model, for the clips a filter selects."""

    model: VideoModel
    clips: int = 0
    ended: int = 0
    median_time: float | None = None  # seconds at the provider
    cost_per_clip: Decimal | None = None  # a 5 s clip at today's list price
    real_cost_per_clip: Decimal | None = None  # all spend, failures included, per usable clip
    spent: Decimal = Decimal("0")
    coherence: float | None = None
    flicker: float | None = None
    motion: float | None = None
    frozen: float | None = None  # mean share of repeated frames
    #: The arena's Rating of this model (arena.services.current_ratings), None until rated.
    rating: object = None
    trend: list[TrendPoint] = field(default_factory=list)
    #: The model's colour in the page's charts (set by the view that draws them).
    colour: str = ""

    @property
    def success_rate(self) -> float | None:
        return self.clips / self.ended if self.ended else None

    @property
    def failed(self) -> int:
        return self.ended - self.clips

    @property
    def mostly_frozen(self) -> bool:
        return self.frozen is not None and self.frozen > FROZEN_SHARE


#: Sort key name -> (attribute, True when a bigger number is better).
SORTS = {
    "model": ("model", False),
    "time": ("median_time", False),
    "cost": ("cost_per_clip", False),
    "real_cost": ("real_cost_per_clip", False),
    "coherence": ("coherence", True),
    "flicker": ("flicker", False),
    "motion": ("motion", True),
    "success": ("success_rate", True),
    "clips": ("clips", True),
}
DEFAULT_SORT = "coherence"


def parse_sort(raw: str) -> tuple[str, bool]:
    """Return (sort key, descending) from `?sort=`; `-key` flips the natural direction."""
    flipped = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in SORTS:
        return DEFAULT_SORT, SORTS[DEFAULT_SORT][1]
    return key, SORTS[key][1] != flipped


def leaderboard(
    clip_filter: ClipFilter | None = None,
    *,
    sort: str = DEFAULT_SORT,
    descending: bool | None = None,
    model: VideoModel | None = None,
    prompt=None,
) -> list[ModelStats]:
    """Return one ModelStats per model with at least one generation the filter selects.

    Four queries on PostgreSQL (five on SQLite): the per-model aggregates, the per-day
    coherence, the models, today's prices.
    """
    rows = clips().public().matching(clip_filter or ClipFilter())
    if model is not None:
        rows = rows.of_model(model)
    if prompt is not None:
        rows = rows.of_prompt(prompt)
    summaries = {row["video_model_id"]: row for row in rows.model_summaries()}
    if not summaries:
        return []
    models = video_models().with_provider().with_pks(list(summaries)).in_bulk()
    price_now = _prices_now(list(summaries))
    medians = None if connection.vendor == "postgresql" else _median_times(rows)
    trends = _trends(rows)
    table = []
    for pk, summary in summaries.items():
        if medians is not None:
            summary["median_time"] = medians.get(pk)
        table.append(_model_stats(models[pk], summary, price_now.get(pk), trends.get(pk, [])))
    attribute, natural = SORTS[sort] if sort in SORTS else SORTS[DEFAULT_SORT]
    desc = natural if descending is None else descending
    return _sorted(table, attribute, desc)


def attach_ratings(rows: list[ModelStats], clip_filter: ClipFilter) -> None:
    """Fill each row's arena rating from the pool the filter selects (text-to-video by default)."""
    from arena.services import current_ratings_for_mode

    ratings = current_ratings_for_mode(
        mode=clip_filter.mode or "t2v", category=clip_filter.category or None
    )
    for row in rows:
        row.rating = ratings.get(row.model.pk)


def _sorted(table: list[ModelStats], attribute: str, descending: bool) -> list[ModelStats]:
    """Sort by `attribute`, models without that number last whatever the direction."""

    def value(row):
        v = getattr(row, attribute)
        return v.display_name.lower() if attribute == "model" else v

    known = [row for row in table if value(row) is not None]
    unknown = [row for row in table if value(row) is None]
    known.sort(key=lambda row: (value(row), row.model.display_name.lower()), reverse=descending)
    unknown.sort(key=lambda row: row.model.display_name.lower())
    if attribute == "coherence":
        # A still picture is perfectly coherent: mostly frozen models never rank above moving ones.
        known.sort(key=lambda row: row.mostly_frozen)
    return known + unknown


def _prices_now(model_ids: list[int]) -> dict[int, Price]:
    """Return the price of a 720p (or any-resolution) clip in force now, per model."""
    chosen: dict[int, Price] = {}
    rank = {"": 0, "720p": 1}
    for price in prices().valid_at().of_models(model_ids):
        current = chosen.get(price.video_model_id)
        # Newest first: keep the first price seen for the best-ranked resolution.
        if current is None or rank.get(price.resolution, 2) < rank.get(current.resolution, 2):
            chosen[price.video_model_id] = price
    return chosen


def _model_stats(
    model: VideoModel, summary: dict, price: Price | None, trend: list[TrendPoint]
) -> ModelStats:
    """Return one model's leaderboard numbers from its aggregate row."""
    stats = ModelStats(
        model=model,
        clips=summary["clips"],
        ended=summary["ended"],
        # Billed, else estimated once accepted; nothing for a job never accepted; plus
        # what earlier attempts of the generation cost (Generation.objects.with_spent).
        spent=summary["spent"] or Decimal("0"),
        median_time=summary["median_time"],
        coherence=summary["coherence"],
        flicker=summary["flicker"],
        motion=summary["motion"],
        frozen=summary["frozen"],
        trend=trend,
    )
    if stats.clips:
        stats.real_cost_per_clip = stats.spent / stats.clips
    stats.cost_per_clip = _cost_per_clip(price)
    return stats


def _median_times(rows) -> dict[int, float]:
    """Return the median seconds at the provider per model, in Python (SQLite)."""
    times: dict[int, list[float]] = defaultdict(list)
    for model_id, submitted, downloading in rows.provider_seconds():
        times[model_id].append((downloading - submitted).total_seconds())
    return {model_id: statistics.median(values) for model_id, values in times.items()}


def _trends(rows) -> dict[int, list[TrendPoint]]:
    """Return the mean coherence per benchmark day and model, oldest first."""
    trends: dict[int, list[TrendPoint]] = defaultdict(list)
    for row in rows.coherence_by_day():
        trends[row["video_model_id"]].append(
            TrendPoint(day=row["day"], coherence=row["coherence"], clips=row["clips"])
        )
    return trends


def _cost_per_clip(price: Price | None) -> Decimal | None:
    """Return the list price of a REFERENCE_SECONDS clip, None without a price."""
    if price is None:
        return None
    per_second = price.unit == Price.Unit.SECOND
    return price.amount * REFERENCE_SECONDS if per_second else price.amount
