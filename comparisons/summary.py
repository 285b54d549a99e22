"""Per-model leaderboard summaries kept in PostgreSQL, so a render reads one row per model.

A `ModelSummary` holds one model's totals (`stats.Totals`) for one leaderboard filter ("" is the
unfiltered board the home page, the leaderboard and the model list show). Database triggers
(migration 0003) mark a model's summaries stale whenever anything they are computed from changes:
a generation's state, timings, costs or tag; its quality report or original file; its run, its
prompt, its comparison being published or taken back. Triggers see every write, `.update()` and
bulk inserts included, which signals do not. A read first recomputes the stale (or missing)
models only, each from its own clips (`comparisons.aggregates`), then reads the rows: the cost
of a render follows the number of models, and of models whose clips changed since the last one.
The pipeline refreshes after each generation ends (comparisons.receivers), so readers rarely do.

The first read of a filter combination nobody asked for before aggregates all its clips once.
SQLite (the embedded default) has no triggers here: it aggregates every render (stats._totals).
"""

import datetime
import json
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection, models
from django.db.models import FilteredRelation, Q

if TYPE_CHECKING:
    from comparisons.filters import ClipFilter


class ModelSummaryQuerySet(models.QuerySet):
    def of_filter(self, key: str):
        """Return the summaries of one filter (`filter_key`)."""
        return self.filter(filter_key=key)

    def fresh(self):
        """Return summaries no write has made stale since they were computed."""
        return self.filter(stale=False)


class ModelSummary(models.Model):
    """One model's leaderboard totals for one filter, kept current by triggers (see module)."""

    video_model = models.ForeignKey(
        "benchmarks.VideoModel", on_delete=models.CASCADE, related_name="summaries"
    )
    #: The filter as a query string (ClipFilter.as_query, sorted); "" for no filter.
    filter_key = models.CharField(max_length=300, blank=True)
    stale = models.BooleanField(default=False)
    #: stats.Totals as JSON (summary_to_json), but its trend; None when no public generation
    #: matches. The trend, [[day, coherence, clips], ...], is apart: most pages don't show it.
    totals = models.JSONField(null=True)
    trend = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now=True)

    objects = ModelSummaryQuerySet.as_manager()

    class Meta:
        app_label = "comparisons"
        constraints = [
            models.UniqueConstraint(
                fields=["filter_key", "video_model"], name="summary_one_per_model_filter"
            ),
        ]
        indexes = [
            # A leaderboard render: the fresh rows of one filter (and which are stale).
            models.Index(fields=["filter_key", "stale"], name="summary_filter_stale_idx"),
            # The triggers: mark every summary of a model stale.
            models.Index(fields=["video_model", "stale"], name="summary_model_stale_idx"),
        ]

    def __str__(self):
        return f"{self.video_model_id} · {self.filter_key or 'all'}"


def enabled() -> bool:
    """Say whether summaries are kept (PostgreSQL, where the triggers are)."""
    return connection.vendor == "postgresql"


def filter_key(clip_filter: "ClipFilter") -> str:
    """Return the summary key of a filter: its query string with sorted keys ("" for none)."""
    return "&".join(f"{k}={v}" for k, v in sorted(clip_filter.as_query().items()))


def summarized_totals(
    clip_filter: "ClipFilter", *, refresh, model_ids=None, with_trend: bool = True
) -> dict[int, object]:
    """Return {model id: stats.Totals} of `clip_filter` from the summaries (of every model, or
    of `model_ids`); without `with_trend`, the trends of summaries read are left empty.

    One query when every summary is fresh. `refresh(model_ids)` computes the totals of the given
    models (stats._database_totals); it is called once, for the models whose summary is stale or
    missing, and what it returns is stored (three or four queries more).
    """
    from benchmarks.models import VideoModel

    key = filter_key(clip_filter)
    models_asked = (
        VideoModel.objects.all()
        if model_ids is None
        else VideoModel.objects.filter(pk__in=model_ids)
    )
    fields = ["pk", "summary__stale", "summary__totals"] + (
        ["summary__trend"] if with_trend else []
    )
    rows = models_asked.annotate(
        summary=FilteredRelation("summaries", condition=Q(summaries__filter_key=key))
    ).values_list(*fields)
    totals, stale, missing = {}, [], []
    for pk, is_stale, data, *trend in rows.order_by():
        if is_stale is None:
            missing.append(pk)
        elif is_stale:
            stale.append(pk)
        elif data is not None:
            totals[pk] = summary_from_json(data, *trend)
    if stale or missing:
        computed = summaries_refresh(key, stale, missing, refresh=refresh)
        totals.update({pk: t for pk, t in computed.items() if t is not None})
    return totals


def summaries_refresh_stale(clip_filter: "ClipFilter", *, refresh) -> str:
    """Recompute the summaries of `clip_filter` that a write made stale or nobody computed yet,
    as `summarized_totals` does, reading nothing else; return the filter's key. One query
    when there are none."""
    from benchmarks.models import VideoModel

    key = filter_key(clip_filter)
    rows = VideoModel.objects.annotate(
        summary=FilteredRelation("summaries", condition=Q(summaries__filter_key=key))
    ).filter(Q(summary__isnull=True) | Q(summary__stale=True))
    stale, missing = [], []
    for pk, is_stale in rows.values_list("pk", "summary__stale").order_by():
        (missing if is_stale is None else stale).append(pk)
    if stale or missing:
        summaries_refresh(key, stale, missing, refresh=refresh)
    return key


def summaries_refresh(key: str, stale: list[int], missing: list[int], *, refresh) -> dict:
    """Recompute and store the summaries of filter `key` of the models `stale` (a summary
    exists) and `missing` (none yet); return their totals.

    Clearing `stale` first, in its own statement, is what keeps a write racing the computation
    from being lost: its trigger sets `stale` again, and the upsert below leaves that row alone.
    """
    if stale:
        ModelSummary.objects.of_filter(key).filter(video_model_id__in=stale).update(stale=False)
    computed = refresh(stale + missing)
    values, params = [], []
    for pk in stale + missing:
        data, trend = summary_to_json(computed.get(pk))
        values.append("(%s, %s, false, %s::jsonb, %s::jsonb, now())")
        params += [pk, key, json.dumps(data), json.dumps(trend)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO comparisons_modelsummary"
            " (video_model_id, filter_key, stale, totals, trend, computed_at)"
            f" VALUES {', '.join(values)}"
            " ON CONFLICT (filter_key, video_model_id) DO UPDATE"
            " SET totals = EXCLUDED.totals, trend = EXCLUDED.trend,"
            " computed_at = EXCLUDED.computed_at"
            " WHERE NOT comparisons_modelsummary.stale",
            params,
        )
    return {pk: computed.get(pk) for pk in stale + missing}


def summaries_mark_stale(model_ids=None) -> int:
    """Mark summaries stale (all, or those of `model_ids`); what the triggers do, by hand."""
    rows = ModelSummary.objects.filter(stale=False)
    if model_ids is not None:
        rows = rows.filter(video_model_id__in=model_ids)
    return rows.update(stale=True)


def summaries_rebuild() -> int:
    """Delete every summary and recompute the unfiltered board's; return the models computed."""
    from comparisons.stats import leaderboard

    ModelSummary.objects.all().delete()
    return len(leaderboard(with_trend=False)) if enabled() else 0


# --- JSON ---------------------------------------------------------------------------------------


def summary_to_json(totals) -> tuple[dict | None, list]:
    """Return (stats.Totals but its trend, its trend) as JSON-safe values (Decimals as
    strings, days as ISO dates)."""
    if totals is None:
        return None, []

    def money(value):
        return None if value is None else str(value)

    return {
        "clips": totals.clips,
        "ended": totals.ended,
        "usable": totals.usable,
        "spent": money(totals.spent),
        "spent_known": totals.spent_known,
        "speed": {name: [s.p50, s.p95, s.count] for name, s in totals.speed.items()},
        "realtime": [totals.realtime.p50, totals.realtime.p95, totals.realtime.count],
        "coherence": totals.coherence,
        "flicker": totals.flicker,
        "motion": totals.motion,
        "frozen": totals.frozen,
        "flickering": totals.flickering,
        "gpu_cost_per_second": money(totals.gpu_cost_per_second),
    }, [[p.day.isoformat(), p.coherence, p.clips] for p in totals.trend]


def summary_from_json(data: dict, trend: list = ()):
    """Return the stats.Totals `summary_to_json` wrote (with `trend`, if given)."""
    from comparisons.stats import Spread, Totals

    def money(value):
        return None if value is None else Decimal(value)

    return Totals(
        clips=data["clips"],
        ended=data["ended"],
        usable=data["usable"],
        spent=money(data["spent"]),
        spent_known=data["spent_known"],
        speed={name: Spread(*values) for name, values in data["speed"].items()},
        realtime=Spread(*data["realtime"]),
        coherence=data["coherence"],
        flicker=data["flicker"],
        motion=data["motion"],
        frozen=data["frozen"],
        flickering=data["flickering"],
        gpu_cost_per_second=money(data["gpu_cost_per_second"]),
        trend=trend_from_json(trend),
    )


def trend_from_json(trend: list) -> list:
    """Return the [stats.TrendPoint] `summary_to_json` wrote as [[day, coherence, clips]]."""
    from comparisons.stats import TrendPoint

    fromisoformat = datetime.date.fromisoformat
    return [TrendPoint(fromisoformat(day), coherence, clips) for day, coherence, clips in trend]
