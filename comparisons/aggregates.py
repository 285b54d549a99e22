"""The leaderboard's per-model totals computed by PostgreSQL: one GROUP BY over the generations a
filter selects, and one for the coherence trend.

The rules are those of `comparisons.stats` (which computes the same totals in Python on SQLite):
spend counts ended generations and is unknown when any attempt's cost is; a usable clip is
complete, scored, not mostly frozen or black and not tagged unusable; speed percentiles are
PostgreSQL's `percentile_cont`, the linear interpolation `stats._percentile` does; a self-hosted
model's computed cost per second is the exact median of numeric costs (two `percentile_disc`).
"""

import datetime
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from benchmarks.models import Generation, VideoAsset
from benchmarks.models.runs import MOSTLY
from comparisons.clips import FLICKER_SPIKES

COMPLETE = Q(state=Generation.State.COMPLETE)
ENDED = Q(state__in=Generation.FINAL_STATES)
REPORTED = COMPLETE & Q(quality_report__mean_coherence__isnull=False)


class Quantiles(Aggregate):
    """PostgreSQL's percentile_cont at the median and the 95th percentile, as an array."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = ArrayField(FloatField())


class MiddleValue(Aggregate):
    """The lower (or, `upper=True`, the upper) middle value: exact for numeric, no float."""

    function = "percentile_disc"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s%(direction)s)%(filter)s"

    def __init__(self, expression, *, upper=False, **extra):
        super().__init__(expression, direction=" DESC" if upper else "", **extra)


class Seconds(Func):
    """The seconds from the second timestamp to the first (NULL when either is unknown)."""

    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)"
    arg_joiner = " - "
    output_field = FloatField()


class ArrayLength(Func):
    """The length of a JSON array (0 for anything else, as `len(x or [])` for a list)."""

    template = (
        "CASE WHEN jsonb_typeof(%(expressions)s) = 'array' "
        "THEN jsonb_array_length(%(expressions)s) ELSE 0 END"
    )
    output_field = IntegerField()


def totals_by_model(rows, phases: dict[str, tuple[str, str]]) -> dict[int, dict]:
    """Return, per model id, the totals `stats.Totals` holds for the generations `rows` selects.

    `rows` is a queryset of generations (already public and filtered); one query.
    """
    return {row.pop("video_model_id"): _cleaned(row) for row in totals_query(rows, phases)}


def totals_query(rows, phases: dict[str, tuple[str, str]]):
    """Return the GROUP BY model query behind `totals_by_model`."""
    wait = Seconds(F("completed_at"), Coalesce("submitting_at", "submitted_at"))
    clip = F("original__duration")
    realtime = Case(
        When(Q(original__duration__gt=0) & Q(wait__gt=0), then=clip / F("wait")),
        output_field=FloatField(),
    )
    # For every model (used for self-hosted ones): a summary then needs no trigger on models.
    gpu = COMPLETE & Q(actual_cost__isnull=False, run__duration__gt=0)
    per_second = F("actual_cost") / F("run__duration")
    aggregates = {
        "clips": Count("pk", filter=COMPLETE),
        "ended": Count("pk", filter=ENDED),
        "usable": Count(
            "pk",
            filter=COMPLETE
            & Q(
                tagged_unusable=False,
                quality_report__frozen_fraction__lte=MOSTLY,
                quality_report__black_fraction__lte=MOSTLY,
            ),
        ),
        "total_spent": Sum("spent", filter=ENDED),
        "spent_unknown": Count("pk", filter=ENDED & Q(spent_known=False)),
        "coherence": Avg("quality_report__mean_coherence", filter=REPORTED),
        "flicker": Avg("quality_report__flicker_score", filter=REPORTED),
        "motion": Avg("quality_report__motion_mean", filter=REPORTED),
        "frozen": Avg("quality_report__frozen_fraction", filter=REPORTED),
        "flickering": Avg(
            Case(
                When(spikes__gte=FLICKER_SPIKES, then=Value(1.0)),
                default=Value(0.0),
                output_field=FloatField(),
            ),
            filter=REPORTED,
        ),
        "realtime": Quantiles("realtime_factor", filter=COMPLETE),
        "realtime_count": Count("realtime_factor", filter=COMPLETE),
        "gpu_low": MiddleValue(per_second, filter=gpu, output_field=DecimalField()),
        "gpu_high": MiddleValue(per_second, upper=True, filter=gpu, output_field=DecimalField()),
    }
    for name, (start, end) in phases.items():
        aggregates[f"{name}_seconds"] = Quantiles(Seconds(F(end), F(start)), filter=COMPLETE)
        aggregates[f"{name}_count"] = Count(Seconds(F(end), F(start)), filter=COMPLETE)
    return (
        rows.with_spent()
        .alias(
            original=FilteredRelation("assets", condition=Q(assets__tier=VideoAsset.Tier.ORIGINAL)),
            wait=wait,
            spikes=ArrayLength("quality_report__flicker_spikes"),
        )
        .alias(realtime_factor=realtime)
        .order_by()
        .values("video_model_id")
        .annotate(**aggregates)
    )


def _cleaned(row: dict) -> dict:
    spent = row.pop("total_spent")
    row["spent"] = spent if spent is not None else Decimal("0")
    low, high = row.pop("gpu_low"), row.pop("gpu_high")
    row["gpu_cost_per_second"] = (low + high) / 2 if low is not None else None
    return row


def trend_by_model(rows) -> dict[int, list[tuple[datetime.date, float, int]]]:
    """Return, per model id, (benchmark day, mean coherence, clips) oldest first (one query)."""
    day = TruncDate("run__created_at", tzinfo=datetime.UTC)
    query = (
        rows.filter(REPORTED)
        .order_by()
        .values("video_model_id", day=day)
        .annotate(coherence=Avg("quality_report__mean_coherence"), clips=Count("pk"))
        .order_by("video_model_id", "day")
    )
    trend: dict[int, list] = {}
    for row in query:
        trend.setdefault(row["video_model_id"], []).append(
            (row["day"], row["coherence"], row["clips"])
        )
    return trend
