"""API versus self-hosting: monthly cost of each, the break-even volume, GPUs for a throughput.

Plain arithmetic on plain numbers (`Scenario` in, `Outcome` out), so a test can check every
figure; `measured()` reads what the site knows about a model (generation time per second of
video, usable rate, real cost per usable second) to fill the numbers a visitor leaves blank.

The formulas:

- API, monthly: volume × cost per usable clip (price per clip ÷ usable rate, or the measured
  real cost per usable clip, which already counts failed attempts).
- Self-hosted, one box = `gpus` GPUs that one job holds while it runs. Box-hours per usable clip
  = minutes per clip ÷ 60 ÷ usable rate.
  *Reserved* (rented by the month, always on): boxes = ⌈volume × box-hours ÷ 730⌉, at least
  one; monthly = boxes × gpus × $/GPU-hour × 730 + fixed monthly cost.
  *On demand* (pay for GPU-hours used): monthly = volume × box-hours × gpus × $/GPU-hour + fixed.
- Break-even: the smallest monthly volume at which self-hosting costs no more than the API;
  none when a usable clip's GPU time alone costs more than the API's clip.
- GPUs for a throughput (seed 001's queue-depth rule: add a worker when more than 5 requests
  wait): the fewest boxes at which the mean queue length stays at or under the threshold, for
  Poisson arrivals at the peak rate served by boxes working one clip at a time (M/M/c, Erlang C).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from benchmarks.models import Generation
from benchmarks.models.runs import is_usable
from benchmarks.providers.base import GenerationRequest
from benchmarks.services.costs import estimate_cost

HOURS_PER_MONTH = Decimal(730)
#: Seed 001: "If your inference queue depth exceeds 5 requests, spawn a new worker."
QUEUE_DEPTH_RULE = 5
#: Past this many boxes a reserved deployment is treated as never breaking even.
MAX_BOXES = 10_000
RESERVED, ON_DEMAND = "reserved", "on_demand"


@dataclass(frozen=True)
class Scenario:
    """Everything the calculator needs, in plain numbers."""

    api_cost_per_clip: Decimal  # the API's price of one clip of this length
    api_usable_rate: Decimal = Decimal(1)  # share of API clips that come out usable
    gpu_hour_price: Decimal = Decimal("2")
    gpus: int = 1  # GPUs one job holds (one box)
    minutes_per_clip: Decimal = Decimal("5")  # one clip's time on one box
    selfhost_usable_rate: Decimal = Decimal(1)
    fixed_monthly: Decimal = Decimal(0)
    billing: str = RESERVED
    monthly_volume: int = 500  # usable clips wanted a month
    peak_per_hour: Decimal | None = None  # clips requested per hour at the busiest time
    queue_depth: int = QUEUE_DEPTH_RULE
    #: When set, the measured real cost of a usable API clip (failed attempts included).
    api_real_cost_per_usable_clip: Decimal | None = None


@dataclass
class Outcome:
    api_per_usable_clip: Decimal
    selfhost_gpu_cost_per_usable_clip: Decimal
    box_month: Decimal  # one box rented for a month
    clips_per_box_month: int  # usable clips one always-on box can make a month
    api_monthly: Decimal
    selfhost_monthly: Decimal
    boxes: int
    break_even: int | None  # usable clips a month; None: never
    peak_per_hour: Decimal
    boxes_for_peak: int
    gpus_for_peak: int
    mean_wait_minutes: Decimal | None
    curve: list[tuple[int, Decimal, Decimal]] = field(default_factory=list)

    @property
    def cheaper(self) -> str:
        return "self-hosted" if self.selfhost_monthly < self.api_monthly else "API"


def api_per_usable_clip(s: Scenario) -> Decimal:
    """Return what one usable API clip costs: measured if known, else price ÷ usable rate."""
    if s.api_real_cost_per_usable_clip is not None:
        return s.api_real_cost_per_usable_clip
    return s.api_cost_per_clip / s.api_usable_rate


def box_hours_per_usable_clip(s: Scenario) -> Decimal:
    return s.minutes_per_clip / 60 / s.selfhost_usable_rate


def clips_per_box_month(s: Scenario) -> int:
    """Return the usable clips one always-on box makes in a month."""
    return int(HOURS_PER_MONTH * 60 * s.selfhost_usable_rate // s.minutes_per_clip)


def api_monthly(s: Scenario, volume: int) -> Decimal:
    return api_per_usable_clip(s) * volume


def boxes_for(s: Scenario, volume: int) -> int:
    """Return the always-on boxes a reserved deployment needs for `volume` clips a month."""
    hours = box_hours_per_usable_clip(s) * volume
    return max(1, int((hours / HOURS_PER_MONTH).to_integral_value(rounding=ROUND_CEILING)))


def selfhost_monthly(s: Scenario, volume: int) -> Decimal:
    """Return the self-hosted monthly cost of `volume` usable clips."""
    per_gpu_hour = s.gpu_hour_price * s.gpus
    if s.billing == ON_DEMAND:
        return s.fixed_monthly + box_hours_per_usable_clip(s) * volume * per_gpu_hour
    return s.fixed_monthly + boxes_for(s, volume) * per_gpu_hour * HOURS_PER_MONTH


def break_even(s: Scenario) -> int | None:
    """Return the fewest usable clips a month at which self-hosting costs no more; None: never."""
    api = api_per_usable_clip(s)
    marginal = box_hours_per_usable_clip(s) * s.gpus * s.gpu_hour_price
    if api <= 0 or marginal >= api:
        return None  # each clip's GPU time alone costs at least the API's clip
    if s.billing == ON_DEMAND:
        return max(1, _ceil(s.fixed_monthly / (api - marginal)))
    box_month = s.gpus * s.gpu_hour_price * HOURS_PER_MONTH
    capacity = clips_per_box_month(s)
    for boxes in range(1, MAX_BOXES + 1):
        volume = max(1, _ceil((s.fixed_monthly + boxes * box_month) / api))
        if volume <= capacity * boxes:
            return volume
    return None


def boxes_for_peak(s: Scenario, per_hour: Decimal) -> tuple[int, Decimal | None]:
    """Return (boxes, mean wait in minutes) keeping the mean queue at or under `queue_depth`."""
    minutes = float(s.minutes_per_clip / s.selfhost_usable_rate)
    arrivals = float(per_hour) / 60  # per minute
    load = arrivals * minutes  # erlangs: boxes busy on average
    if load <= 0:
        return 1, Decimal(0)
    first = max(1, math.floor(load) + 1)  # fewer and the queue grows without end
    for boxes in range(first, first + MAX_BOXES):
        queue = _mean_queue(boxes, load)
        if queue <= s.queue_depth:
            return boxes, Decimal(str(round(queue / arrivals, 2)))
    return first + MAX_BOXES, None


def _mean_queue(servers: int, load: float) -> float:
    """Return the mean number waiting in an M/M/c queue (Erlang C), for load < servers."""
    erlang_b = 1.0
    for k in range(1, servers + 1):
        erlang_b = load * erlang_b / (k + load * erlang_b)
    rho = load / servers
    erlang_c = erlang_b / (1 - rho * (1 - erlang_b))
    return erlang_c * rho / (1 - rho)


def outcome(s: Scenario, *, curve_points: int = 24) -> Outcome:
    """Return every figure the page shows for `s`, with the cost curve for its chart."""
    peak = s.peak_per_hour if s.peak_per_hour is not None else s.monthly_volume / HOURS_PER_MONTH
    boxes_peak, wait = boxes_for_peak(s, peak)
    even = break_even(s)
    top = max(s.monthly_volume, even or 0) * 2 or 100
    step = max(1, top // curve_points)
    curve = [(v, api_monthly(s, v), selfhost_monthly(s, v)) for v in range(0, top + step, step)]
    return Outcome(
        api_per_usable_clip=api_per_usable_clip(s),
        selfhost_gpu_cost_per_usable_clip=box_hours_per_usable_clip(s) * s.gpus * s.gpu_hour_price,
        box_month=_cents(s.gpus * s.gpu_hour_price * HOURS_PER_MONTH),
        clips_per_box_month=clips_per_box_month(s),
        api_monthly=_cents(api_monthly(s, s.monthly_volume)),
        selfhost_monthly=_cents(selfhost_monthly(s, s.monthly_volume)),
        boxes=boxes_for(s, s.monthly_volume),
        break_even=even,
        peak_per_hour=peak,
        boxes_for_peak=boxes_peak,
        gpus_for_peak=boxes_peak * s.gpus,
        mean_wait_minutes=wait,
        curve=curve,
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


# -- what the site measured -------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """What the site measured of one model, per second of video; None where it has no data."""

    clips: int
    usable_rate: Decimal | None
    seconds_per_video_second: Decimal | None  # median generation time at the provider/server
    real_cost_per_usable_second: Decimal | None  # everything spent ÷ seconds of usable video


def measured(model) -> Measured:
    """Return what the site measured of `model` over its public clips (one query).

    Public as everywhere (`GenerationQuerySet.public()`); usable as on the leaderboard
    (`is_usable`: complete, scored, not mostly frozen or black, not tagged unusable).
    """
    rows = list(
        Generation.objects.public()
        .filter(video_model=model, state__in=Generation.FINAL_STATES)
        .with_spent()
        .values(
            "state",
            "submitted_at",
            "downloading_at",
            "run__duration",
            "spent",
            "tagged_unusable",
            "quality_report__frozen_fraction",
            "quality_report__black_fraction",
        )
    )
    done = [r for r in rows if r["state"] == Generation.State.COMPLETE and r["run__duration"]]
    usable = [
        r
        for r in done
        if is_usable(
            state=r["state"],
            tagged_unusable=r["tagged_unusable"],
            frozen=r["quality_report__frozen_fraction"],
            black=r["quality_report__black_fraction"],
        )
    ]
    times = [
        Decimal(str((r["downloading_at"] - r["submitted_at"]).total_seconds())) / r["run__duration"]
        for r in done
        if r["submitted_at"] and r["downloading_at"]
    ]
    seconds = sum(r["run__duration"] for r in usable)
    spent = sum((r["spent"] for r in rows), Decimal(0))
    return Measured(
        clips=len(done),
        usable_rate=Decimal(len(usable)) / len(rows) if rows else None,
        seconds_per_video_second=statistics.median(times) if times else None,
        real_cost_per_usable_second=spent / seconds if seconds and spent else None,
    )


# -- from the form to a scenario --------------------------------------------------------------

#: Seed 002's example: Runway Gen-3 Alpha at $0.30 per 10 s video against Open-Sora on an
#: 8× A100 cluster rented for ~$8K a month (8 GPUs × 730 h), 8–12 minutes per video.
SEED_002 = {
    "clip_seconds": 10,
    "monthly_volume": 500,
    "api_cost_per_clip": Decimal("0.30"),
    "gpus": 8,
    "gpu_hour_price": Decimal(8000) / (8 * HOURS_PER_MONTH),
    "minutes_per_clip": Decimal(10),
    "billing": RESERVED,
}
SEED_002_CLAIM = 500  # "Self-hosting breaks even around 500 videos/month."


def seed_002() -> Scenario:
    """Return seed 002's own example as a scenario."""
    return Scenario(**{k: v for k, v in SEED_002.items() if k != "clip_seconds"})


def scenario_from(data: dict) -> tuple[Scenario, int, dict[str, str]]:
    """Return (scenario, clip seconds, where each number came from) for the form's cleaned data.

    A number the visitor typed wins; else what the site measured of the chosen model; else the
    chosen model's list price or endpoint; else seed 002's example.
    """
    given = {k: v for k, v in data.items() if v not in (None, "")}
    seconds = given.get("clip_seconds", SEED_002["clip_seconds"])
    values: dict = {}
    sources: dict[str, str] = {}

    def use(name, value, source):
        if name not in values and value is not None:
            values[name], sources[name] = value, source

    for name in ("api_cost_per_clip", "gpu_hour_price", "gpus", "minutes_per_clip",
                 "fixed_monthly", "billing", "monthly_volume", "peak_per_hour",
                 "queue_depth"):  # fmt: skip
        if name in given:
            use(name, given[name], "your number")
    for name in ("api_usable_rate", "selfhost_usable_rate"):
        if name in given:
            use(name, given[name] / 100, "your number")

    if api := given.get("api_model"):
        seen = measured(api)
        if seen.clips and "api_usable_rate" not in values:
            use("api_usable_rate", seen.usable_rate, f"measured over {seen.clips} clips")
        if seen.real_cost_per_usable_second and "api_cost_per_clip" not in values:
            real = seen.real_cost_per_usable_second * seconds
            use("api_real_cost_per_usable_clip", real, f"measured over {seen.clips} clips")
        price = estimate_cost(api, GenerationRequest(prompt="", duration=seconds))
        use("api_cost_per_clip", price, f"{api}'s list price")
    if own := given.get("selfhost_model"):
        seen = measured(own)
        if seen.seconds_per_video_second is not None:
            minutes = (seen.seconds_per_video_second * seconds / 60).quantize(Decimal("0.01"))
            use("minutes_per_clip", minutes, f"measured over {seen.clips} clips")
        if seen.clips:
            use("selfhost_usable_rate", seen.usable_rate, f"measured over {seen.clips} clips")
        if endpoint := own.endpoint:
            where = f"endpoint {endpoint}"
            use("gpu_hour_price", endpoint.gpu_hour_price, where)
            use("gpus", endpoint.gpu_count, where)
            use("fixed_monthly", endpoint.monthly_fixed_cost, where)
    for name, value in SEED_002.items():
        if name != "clip_seconds":
            use(name, value, "seed 002's example")
    if "clip_seconds" not in given:
        sources["clip_seconds"] = "seed 002's example"
    return Scenario(**values), seconds, sources
