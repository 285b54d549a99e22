"""Leaderboard aggregation: one row of numbers per video model.

PostgreSQL computes each model's totals (comparisons.aggregates: sums, means, percentile_cont)
and keeps them as summaries (comparisons.summary), ranks the board from them (`_ranked_rows`)
and hands a page its own rows, whatever the number of clips and of models. SQLite, the embedded
default, has no percentile functions: there one flat query over the generations is aggregated
and ranked here, by the same rules (`_totals`, `_sorted`), slower as the data grows.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from benchmarks.models import Generation, Price, VideoModel
from benchmarks.models.runs import is_usable, realtime_factor
from comparisons import summary
from comparisons.clips import FLICKER_SPIKES, FROZEN_SHARE
from comparisons.filters import ClipFilter

#: The clip length the leaderboard prices, in seconds: most providers' default.
REFERENCE_SECONDS = 5


@dataclass
class TrendPoint:
    day: date
    coherence: float
    clips: int


#: Speed phase -> (timestamp it starts at, timestamp it ends at), as on Generation.
PHASES = {
    "queue_wait": ("queued_at", "submitting_at"),
    "provider": ("submitted_at", "downloading_at"),
    "download": ("downloading_at", "transcoding_at"),
    "transcode": ("transcoding_at", "scoring_at"),
    "scoring": ("scoring_at", "completed_at"),
}
PHASE_NAMES = {
    "queue_wait": "Queue wait",
    "provider": "At the provider",
    "download": "Download",
    "transcode": "Transcode",
    "scoring": "Scoring",
}


@dataclass(frozen=True)
class Spread:
    """The median and 95th percentile of some seconds (or factors); None where unknown."""

    p50: float | None = None
    p95: float | None = None
    count: int = 0

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls()
        return cls(_percentile(values, 0.5), _percentile(values, 0.95), len(values))


def _percentile(values: list[float], q: float) -> float:
    """Return the q-quantile with linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class ModelStats:
    """What the leaderboard shows about one model, for the clips a filter selects."""

    model_pk: int
    name: str  # the model's display name: the "model" sort and every tie-break
    #: The model itself, loaded with the rows a page shows (Board).
    model: VideoModel | None = None
    clips: int = 0
    ended: int = 0
    usable: int = 0  # clips that passed validation, not mostly frozen/black, not tagged
    median_time: float | None = None  # seconds at the provider
    cost_per_clip: Decimal | None = None  # a 5 s clip at today's list price
    #: True when cost_per_clip is computed from a self-hosted model's GPU time, not a list price.
    cost_computed: bool = False
    real_cost_per_clip: Decimal | None = None  # all spend, failures included, per usable clip
    spent: Decimal | None = Decimal("0")  # None: some attempt's cost is unknown
    coherence: float | None = None
    flicker: float | None = None
    motion: float | None = None
    frozen: float | None = None  # mean share of repeated frames
    flickering: float | None = None  # share of clips with repeated flicker spikes
    #: The arena's Rating of this model (arena.services.current_ratings), None until rated.
    rating: object = None
    trend: list[TrendPoint] = field(default_factory=list)
    #: p50/p95 seconds per phase (PHASES) over completed clips, and of the realtime factor.
    speed: dict[str, Spread] = field(default_factory=dict)
    realtime: Spread = field(default_factory=Spread)
    #: The model's colour in the page's charts (set by the view that draws them).
    colour: str = ""

    @property
    def success_rate(self) -> float | None:
        return self.clips / self.ended if self.ended else None

    @property
    def p95_time(self) -> float | None:
        """Return the 95th percentile of seconds at the provider."""
        return self.speed["provider"].p95 if "provider" in self.speed else None

    @property
    def realtime_p50(self) -> float | None:
        return self.realtime.p50

    @property
    def speed_rows(self) -> list[tuple[str, Spread]]:
        """Return (phase name in words, spread) in pipeline order, for the model page."""
        return [(PHASE_NAMES[name], self.speed[name]) for name in PHASES if name in self.speed]

    @property
    def usable_rate(self) -> float | None:
        """Return the share of ended samples that gave a usable clip."""
        return self.usable / self.ended if self.ended else None

    @property
    def failed(self) -> int:
        return self.ended - self.clips

    @property
    def mostly_frozen(self) -> bool:
        return self.frozen is not None and self.frozen > FROZEN_SHARE

    @property
    def mostly_flickering(self) -> bool:
        return self.flickering is not None and self.flickering > FROZEN_SHARE

    @property
    def steady(self) -> bool:
        """Say whether the model may rank first on quality and cost (see Clip.steady)."""
        return not (self.mostly_frozen or self.mostly_flickering)


#: Sort key name -> (attribute, True when a bigger number is better).
SORTS = {
    "model": ("name", False),
    "time": ("median_time", False),
    "time_p95": ("p95_time", False),
    "realtime": ("realtime_p50", True),
    "cost": ("cost_per_clip", False),
    "real_cost": ("real_cost_per_clip", False),
    "coherence": ("coherence", True),
    "flicker": ("flicker", False),
    "motion": ("motion", True),
    "success": ("success_rate", True),
    "usable": ("usable_rate", True),
    "clips": ("clips", True),
}
DEFAULT_SORT = "coherence"
#: Sorts where a frozen or flickering model would win for nothing: steady models come first.
STEADY_FIRST = {"coherence", "flicker", "cost_per_clip", "real_cost_per_clip"}


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
    with_trend: bool = True,
) -> "Board":
    """Return the Board of every model (or of `model`) with a generation the filter selects.

    On PostgreSQL the board of every model is ranked by the database from the summaries
    (`_ranked_rows`), and a page reads its own rows only; a prompt's or a model's totals are
    aggregated by PostgreSQL (comparisons.aggregates: one GROUP BY, one for the trend unless
    `with_trend` is False). Elsewhere one flat query is aggregated and ranked here, plus one
    query for the models' names and one for today's prices.
    """
    clip_filter = clip_filter or ClipFilter()
    attribute, natural = SORTS[sort] if sort in SORTS else SORTS[DEFAULT_SORT]
    desc = natural if descending is None else descending
    if summary.enabled() and model is None and prompt is None:
        return _ranked_by_database(clip_filter, attribute, desc, with_trend=with_trend)
    model_ids = None if model is None else [model.pk]
    by_model = _totals_by_model(
        clip_filter, model_ids=model_ids, prompt=prompt, with_trend=with_trend
    )
    if not by_model:
        return Board.of_rows([])
    if model is None:
        names = VideoModel.objects.names()
    else:
        names = {model.pk: (model.display_name, model.is_self_hosted)}
    list_costs = _list_costs_now(model_ids)
    table = [
        _model_stats(pk, *names[pk], totals, list_costs.get(pk)) for pk, totals in by_model.items()
    ]
    if model is not None:
        table[0].model = model
    return Board.of_rows(_sorted(table, attribute, desc))


class Board(Sequence):
    """The leaderboard's rows (ModelStats) in rank order, built a slice at a time: a page shows
    50 of 300 models, and reads theirs only.

    `count()` returns the number of rows, `rows_between(start, stop)` those rows.
    """

    def __init__(self, count, rows_between):
        self._count, self._rows_between = count, rows_between
        self._length = None

    @classmethod
    def of_rows(cls, rows: list[ModelStats]) -> "Board":
        """Return the Board of rows ranked here; a slice loads its rows' models."""
        return cls(lambda: len(rows), lambda start, stop: _with_models(rows[start:stop]))

    def __len__(self) -> int:
        if self._length is None:
            self._length = self._count()
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("A board is sliced in rank order, one row after another.")
            return self._rows_between(start, stop) if start < stop else []
        position = range(len(self))[index]
        return self._rows_between(position, position + 1)[0]

    def __iter__(self):
        return iter(self[:])


def _with_models(rows: list[ModelStats]) -> list[ModelStats]:
    """Load the models of `rows` that have none yet, in one query; return `rows`."""
    missing = [row.model_pk for row in rows if row.model is None]
    if missing:
        models = VideoModel.objects.with_provider().for_listing().with_pks(missing).in_bulk()
        for row in rows:
            row.model = row.model or models[row.model_pk]
    return rows


def _ranked_by_database(clip_filter, attribute: str, descending: bool, *, with_trend: bool):
    """Return the Board PostgreSQL ranks from the summaries of `clip_filter`, brought up to
    date first: a slice reads the ranks of its rows, then their summaries and models."""
    key = _fresh_summaries(clip_filter)
    summaries = summary.ModelSummary.objects.select_related("video_model__provider")
    summaries = summaries.defer(*(f"video_model__{name}" for name in VideoModel.UNLISTED))
    if not with_trend:
        summaries = summaries.defer("trend")

    def rows_between(start: int, stop: int) -> list[ModelStats]:
        ranked = _ranked_rows(key, attribute, descending, offset=start, limit=stop - start)
        by_pk = summaries.in_bulk([pk for pk, _ in ranked])
        # A summary deleted since it was ranked (summaries_rebuild) is left out.
        return [
            _summary_stats(by_pk[pk], list_cost, with_trend)
            for pk, list_cost in ranked
            if pk in by_pk
        ]

    return Board(lambda: _ranked_count(key), rows_between)


def _fresh_summaries(clip_filter: ClipFilter) -> str:
    """Bring the summaries of `clip_filter` up to date; return their key."""
    rows = Generation.objects.public().matching(clip_filter)
    return summary.summaries_refresh_stale(
        clip_filter, refresh=lambda pks: _database_totals(rows.filter(video_model_id__in=pks))
    )


def _summary_stats(row, list_cost: Decimal | None, with_trend: bool) -> ModelStats:
    """Return the ModelStats of one model's summary (its model loaded)."""
    model = row.video_model
    totals = summary.summary_from_json(row.totals, row.trend if with_trend else ())
    stats = _model_stats(model.pk, model.display_name, model.is_self_hosted, totals, list_cost)
    stats.model = model
    return stats


#: Each attribute a board sorts by (SORTS), as PostgreSQL computes it from a summary `s`
#: (summary_to_json), its model `m` and its list price `p` (as _list_costs_now chooses it).
_RANK_VALUES = {
    "name": 'lower(m.display_name) COLLATE "C"',
    "median_time": "(s.totals #>> '{speed,provider,0}')::float8",
    "p95_time": "(s.totals #>> '{speed,provider,1}')::float8",
    "realtime_p50": "(s.totals #>> '{realtime,0}')::float8",
    "cost_per_clip": "CASE WHEN m.endpoint_id IS NULL THEN p.per_clip"
    " ELSE round((s.totals ->> 'gpu_cost_per_second')::numeric * %(seconds)s, 4) END",
    "real_cost_per_clip": "CASE WHEN (s.totals ->> 'spent_known')::boolean"
    " THEN (s.totals ->> 'spent')::numeric / nullif((s.totals ->> 'usable')::int, 0) END",
    "coherence": "(s.totals ->> 'coherence')::float8",
    "flicker": "(s.totals ->> 'flicker')::float8",
    "motion": "(s.totals ->> 'motion')::float8",
    "success_rate": "(s.totals ->> 'clips')::float8 / nullif((s.totals ->> 'ended')::float8, 0)",
    "usable_rate": "(s.totals ->> 'usable')::float8 / nullif((s.totals ->> 'ended')::float8, 0)",
    "clips": "(s.totals ->> 'clips')::int",
}
_RANKED = """
WITH price AS (
  SELECT DISTINCT ON (video_model_id) video_model_id,
    CASE WHEN unit = %(per_second)s THEN amount * %(seconds)s ELSE amount END AS per_clip
  FROM benchmarks_price WHERE valid_from <= %(now)s
  ORDER BY video_model_id, CASE resolution WHEN '' THEN 0 WHEN '720p' THEN 1 ELSE 2 END,
    valid_from DESC
), board AS (
  SELECT s.id, s.video_model_id, p.per_clip, lower(m.display_name) COLLATE "C" AS name,
    {value} AS value,
    coalesce((s.totals ->> 'frozen')::float8 > %(mostly)s, false)
      OR coalesce((s.totals ->> 'flickering')::float8 > %(mostly)s, false) AS unsteady
  FROM comparisons_modelsummary s
  JOIN benchmarks_videomodel m ON m.id = s.video_model_id
  LEFT JOIN price p ON p.video_model_id = s.video_model_id
  WHERE s.filter_key = %(key)s AND jsonb_typeof(s.totals) = 'object'
)
"""


def _ranked_rows(key: str, attribute: str, descending: bool, *, offset: int, limit: int):
    """Return [(summary id, list price of a clip)] of the board of filter `key` ranked by
    `attribute` as `_sorted` ranks it, from `offset`, at most `limit` rows."""
    direction = "DESC" if descending else "ASC"
    steady_first = "value IS NOT NULL AND unsteady, " if attribute in STEADY_FIRST else ""
    sql = _RANKED.format(value=_RANK_VALUES[attribute]) + (
        f"SELECT id, per_clip FROM board ORDER BY value IS NULL, {steady_first}"
        f"value {direction}, CASE WHEN value IS NOT NULL THEN name END {direction},"
        " name, video_model_id OFFSET %(offset)s LIMIT %(limit)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _board_params(key) | {"offset": offset, "limit": limit})
        return cursor.fetchall()


def _ranked_count(key: str) -> int:
    """Return how many rows the board of filter `key` has (`_ranked_rows` ranks them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _RANKED.format(value="NULL") + "SELECT count(*) FROM board", _board_params(key)
        )
        return cursor.fetchone()[0]


def _board_params(key: str) -> dict:
    return {
        "key": key,
        "seconds": REFERENCE_SECONDS,
        "per_second": Price.Unit.SECOND,
        "mostly": FROZEN_SHARE,
        "now": timezone.now(),  # as Price.objects.valid_at: not the transaction's start
    }


@dataclass
class Totals:
    """One model's sums, means and percentiles over the generations a filter selects."""

    clips: int
    ended: int
    usable: int
    spent: Decimal  # over ended generations; a floor when not spent_known
    spent_known: bool
    speed: dict[str, Spread]
    realtime: Spread
    coherence: float | None
    flicker: float | None
    motion: float | None
    frozen: float | None
    flickering: float | None
    #: Self-hosted: the median computed cost per second of video of its clips.
    gpu_cost_per_second: Decimal | None
    trend: list[TrendPoint]


def _totals_by_model(
    clip_filter, *, model_ids=None, prompt=None, with_trend: bool = True
) -> dict[int, Totals]:
    """Return {model id: Totals} of every model or of `model_ids`: from the summaries
    (PostgreSQL, any filter), aggregated by PostgreSQL (a prompt's clips), or here from flat
    rows (SQLite)."""
    rows = Generation.objects.public().matching(clip_filter)
    if prompt is not None:
        rows = rows.of_prompt(prompt)
    if summary.enabled() and prompt is None:
        return summary.summarized_totals(
            clip_filter,
            refresh=lambda pks: _database_totals(rows.filter(video_model_id__in=pks)),
            model_ids=model_ids,
            with_trend=with_trend,
        )
    if model_ids is not None:
        rows = rows.of_models(model_ids)
    if connection.vendor == "postgresql":
        return _database_totals(rows, with_trend=with_trend)
    by_model: dict[int, list[dict]] = defaultdict(list)
    for row in rows.stats_rows():
        by_model[row["video_model_id"]].append(row)
    return {pk: _totals(model_rows) for pk, model_rows in by_model.items()}


def _database_totals(rows, *, with_trend: bool = True) -> dict[int, Totals]:
    """Return the totals PostgreSQL computes (comparisons.aggregates), in one or two queries."""
    from comparisons import aggregates

    trends = aggregates.trend_by_model(rows) if with_trend else {}
    totals = {}
    for pk, row in aggregates.totals_by_model(rows, PHASES).items():
        totals[pk] = Totals(
            clips=row["clips"],
            ended=row["ended"],
            usable=row["usable"],
            spent=row["spent"],
            spent_known=not row["spent_unknown"],
            speed={name: _spread(row[f"{name}_seconds"], row[f"{name}_count"]) for name in PHASES},
            realtime=_spread(row["realtime"], row["realtime_count"]),
            coherence=row["coherence"],
            flicker=row["flicker"],
            motion=row["motion"],
            frozen=row["frozen"],
            flickering=row["flickering"],
            gpu_cost_per_second=row["gpu_cost_per_second"],
            trend=[
                TrendPoint(day=day, coherence=coherence, clips=count)
                for day, coherence, count in trends.get(pk, [])
            ],
        )
    return totals


def _spread(quantiles: list[float] | None, count: int) -> Spread:
    return Spread(quantiles[0], quantiles[1], count) if count else Spread()


def attach_ratings(rows: list[ModelStats], clip_filter: ClipFilter) -> None:
    """Fill each row's arena rating from the pool the filter selects (text-to-video by default)."""
    from arena.services import current_ratings_for_mode

    ratings = current_ratings_for_mode(
        mode=clip_filter.mode or "t2v",
        category=clip_filter.category or None,
        model_ids=[row.model_pk for row in rows],
    )
    for row in rows:
        row.rating = ratings.get(row.model_pk)


def attach_trends(rows: list[ModelStats], clip_filter: ClipFilter, *, points: int):
    """Fill each row's trend with at most `points` points a line (`coarsen_trends`); return
    (benchmark days across the rows' trends, days a point spans).

    For the few rows a chart draws: a year of daily points for every model is what made the
    leaderboard grow with its data. On PostgreSQL it reads their summaries' trends only (as
    the board of `rows` left them, up to date), not their totals again.
    """
    model_ids = [row.model_pk for row in rows]
    if summary.enabled():
        summaries = summary.ModelSummary.objects.of_filter(summary.filter_key(clip_filter))
        trends = summaries.filter(video_model_id__in=model_ids).values_list(
            "video_model_id", "trend"
        )
        by_model = {pk: summary.trend_from_json(trend) for pk, trend in trends}
    else:
        totals = _totals_by_model(clip_filter, model_ids=model_ids, with_trend=True)
        by_model = {pk: row.trend for pk, row in totals.items()}
    for row in rows:
        row.trend = by_model.get(row.model_pk, [])
    return coarsen_trends(rows, points=points)


def coarsen_trends(rows: list[ModelStats], *, points: int) -> tuple[int, int]:
    """Coarsen the rows' daily trends to at most `points` points a line, spans of the same
    days counted from the first day of any of them; return (benchmark days, days a span)."""
    days = sorted({point.day for row in rows for point in row.trend})
    span = math.ceil(((days[-1] - days[0]).days + 1) / points) if days else 1
    for row in rows:
        row.trend = coarsen(row.trend, first=days[0], days=span) if days else []
    return len(days), span


def coarsen(trend: list[TrendPoint], *, first: date, days: int) -> list[TrendPoint]:
    """Return `trend` with one point per span of `days` days counted from `first` (the
    clip-weighted mean coherence of the span, dated on its first day)."""
    if days == 1:
        return trend
    weighted: dict[int, float] = defaultdict(float)
    clips: dict[int, int] = defaultdict(int)
    origin = first.toordinal()
    for point in trend:
        span = (point.day.toordinal() - origin) // days
        weighted[span] += point.coherence * point.clips
        clips[span] += point.clips
    return [
        TrendPoint(first + timedelta(days=span * days), weighted[span] / clips[span], clips[span])
        for span in sorted(clips)
    ]


def _sorted(table: list[ModelStats], attribute: str, descending: bool) -> list[ModelStats]:
    """Sort by `attribute`, models without that number last whatever the direction."""

    def value(row):
        v = getattr(row, attribute)
        return v.lower() if attribute == "name" else v

    known = [row for row in table if value(row) is not None]
    unknown = [row for row in table if value(row) is None]
    known.sort(key=lambda row: (value(row), row.name.lower()), reverse=descending)
    unknown.sort(key=lambda row: row.name.lower())
    if attribute in STEADY_FIRST:
        # A still picture is perfectly coherent, flicker-free and cheap; a flickering clip can
        # average well: mostly frozen or flickering models never rank above steady ones.
        known.sort(key=lambda row: not row.steady)
    return known + unknown


def _list_costs_now(model_ids: list[int] | None) -> dict[int, Decimal]:
    """Return the list price of a REFERENCE_SECONDS clip in force now, per model priced (of
    every model, or of `model_ids`), from its 720p (or any-resolution) price."""
    chosen: dict[int, tuple] = {}
    rank = {"": 0, "720p": 1}
    prices = Price.objects.valid_at()
    if model_ids is not None:
        prices = prices.of_models(model_ids)
    for model, resolution, amount, unit in prices.values_list(
        "video_model_id", "resolution", "amount", "unit"
    ):
        current = chosen.get(model)
        # Newest first: keep the first price seen for the best-ranked resolution.
        if current is None or rank.get(resolution, 2) < rank.get(current[0], 2):
            chosen[model] = (resolution, amount, unit)
    return {
        model: amount * REFERENCE_SECONDS if unit == Price.Unit.SECOND else amount
        for model, (_, amount, unit) in chosen.items()
    }


def _totals(rows: list[dict]) -> Totals:
    """Return one model's totals from its flat generation rows (the SQLite path)."""
    ended = [row for row in rows if row["state"] in Generation.FINAL_STATES]
    completed = [row for row in rows if row["state"] == Generation.State.COMPLETE]
    reported = [row for row in completed if row["quality_report__mean_coherence"] is not None]
    per_second = [
        row["actual_cost"] / row["run__duration"]
        for row in completed
        if row["actual_cost"] is not None and row["run__duration"]
    ]
    return Totals(
        clips=len(completed),
        ended=len(ended),
        usable=sum(1 for row in completed if _usable(row)),
        spent=sum((row["spent"] for row in ended), Decimal("0")),
        spent_known=all(row["spent_known"] for row in ended),
        speed={name: Spread.of(_phase_seconds(completed, name)) for name in PHASES},
        realtime=Spread.of([f for row in completed if (f := _realtime_factor(row)) is not None]),
        coherence=_mean([row["quality_report__mean_coherence"] for row in reported]),
        flicker=_mean([row["quality_report__flicker_score"] for row in reported]),
        motion=_mean([row["quality_report__motion_mean"] for row in reported]),
        frozen=_mean([row["quality_report__frozen_fraction"] for row in reported]),
        flickering=_mean(
            [len(row["quality_report__flicker_spikes"] or []) >= FLICKER_SPIKES for row in reported]
        ),
        gpu_cost_per_second=statistics.median(per_second) if per_second else None,
        trend=_trend(reported),
    )


def _model_stats(
    pk: int, name: str, self_hosted: bool, totals: Totals, list_cost: Decimal | None
) -> ModelStats:
    """Return one model's leaderboard numbers from its totals."""
    stats = ModelStats(pk, name, clips=totals.clips, ended=totals.ended, usable=totals.usable)
    # Billed, else estimated once accepted; nothing for a job never accepted; plus
    # what earlier attempts of the generation cost (Generation.objects.with_spent).
    # One attempt of unknown cost (unpriced, imported without a cost) makes the total unknown.
    stats.spent = totals.spent if totals.spent_known else None
    stats.speed = totals.speed
    stats.median_time = stats.speed["provider"].p50
    stats.realtime = totals.realtime
    stats.coherence = totals.coherence
    stats.flicker = totals.flicker
    stats.motion = totals.motion
    stats.frozen = totals.frozen
    stats.flickering = totals.flickering
    stats.trend = totals.trend
    if stats.usable and stats.spent is not None:
        stats.real_cost_per_clip = stats.spent / stats.usable
    if self_hosted:
        stats.cost_per_clip = _computed_cost_per_clip(totals.gpu_cost_per_second)
        stats.cost_computed = True
    else:
        stats.cost_per_clip = list_cost
    return stats


def _usable(row: dict) -> bool:
    return is_usable(
        state=row["state"],
        tagged_unusable=row["tagged_unusable"],
        frozen=row["quality_report__frozen_fraction"],
        black=row["quality_report__black_fraction"],
    )


def _phase_seconds(completed: list[dict], phase: str) -> list[float]:
    """Return the seconds each completed clip spent in `phase`, where both ends are known."""
    start, end = PHASES[phase]
    return [(row[end] - row[start]).total_seconds() for row in completed if row[start] and row[end]]


def _realtime_factor(row: dict) -> float | None:
    return realtime_factor(
        row["clip_seconds"],
        (row["completed_at"] - (row["submitting_at"] or row["submitted_at"]))
        if row["completed_at"] and (row["submitting_at"] or row["submitted_at"])
        else None,
    )


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _trend(reported: list[dict]) -> list[TrendPoint]:
    """Return the mean coherence per benchmark day, oldest first."""
    by_day: dict[date, list[float]] = defaultdict(list)
    for row in reported:
        by_day[row["run__created_at"].date()].append(row["quality_report__mean_coherence"])
    return [
        TrendPoint(day=day, coherence=statistics.fmean(values), clips=len(values))
        for day, values in sorted(by_day.items())
    ]


def _computed_cost_per_clip(per_second: Decimal | None) -> Decimal | None:
    """Return a self-hosted model's median computed cost per second × the reference.

    Self-hosted models have no list price: their cost is GPU time × the endpoint's price.
    """
    if per_second is None:
        return None
    return (per_second * REFERENCE_SECONDS).quantize(Decimal("0.0001"))
