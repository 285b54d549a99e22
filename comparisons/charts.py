"""Charts drawn on the server as SVG: no script, no CDN, readable without JavaScript.

This module does the geometry: scales, ticks, where each point and label goes. The SVG is in
template includes, `comparisons/_chart.html` (scatter, trend and line charts; its axes in
`comparisons/_chart_axes.html`, which the arena's rating chart shares), styled by classes whose
colours live only in `static/site/site.css`: a model's colour is the class `series-<n>`
(`colour_for`). Every chart is a `Chart`, or None when there is nothing to plot; every point
links to the model page behind it and carries a <title> tooltip.
"""

import math
from dataclasses import dataclass, field
from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe

#: How many colours `.series-<n>` in site.css has (Okabe-Ito, darkened for contrast on white).
SERIES_COLOURS = 8

#: Share of the data range added on each side so no point sits on the frame.
PAD = 0.08
#: Vertical room one point label needs (SVG units).
LABEL_HEIGHT = 13
#: A scatter label goes at most three lines below its point, or is left off.
MAX_LABEL_DROP = 3 * LABEL_HEIGHT


def colour_for(index: int) -> str:
    """Return the colour class of the `index`-th model of a page (its table swatch and points)."""
    return f"series-{index % SERIES_COLOURS}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return about `count` round tick values, from at or below `low` to at or above `high`."""
    # Equal values, or values a float's rounding apart (means the database summed in its own
    # order): a step that small would never move `value` below, and the loop would not end.
    if high - low <= max(abs(low), abs(high)) * 1e-9:
        high = low + (abs(low) or 1) * 0.1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks, value = [], math.floor(low / step) * step
    # Up to the first tick at or past `high`, so the axis always covers every value.
    while not ticks or ticks[-1] < high - step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _padded(values: list[float]) -> tuple[float, float]:
    """Return the axis range around `values`; never below zero when no value is (a cost, a time)."""
    low, high = min(values), max(values)
    pad = (high - low) * PAD or abs(high) * PAD or 0.05
    return (max(low - pad, 0.0) if low >= 0 else low - pad), high + pad


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass
class Tick:
    at: float
    label: str


@dataclass
class Frame:
    """The plot area inside a chart's margins: places data in SVG units, nudges labels apart."""

    x_ticks: list[float]
    y_ticks: list[float]
    width: int = 560
    height: int = 340
    #: Margins: room for tick labels on the left and below, and point labels on the right.
    margins: tuple[int, int, int, int] = (58, 96, 16, 46)  # left, right, top, bottom

    def px(self, x: float) -> float:
        lo, hi = self.x_ticks[0], self.x_ticks[-1]
        left, right = self.margins[0], self.width - self.margins[1]
        return left + (x - lo) / ((hi - lo) or 1) * (right - left)

    def py(self, y: float) -> float:
        lo, hi = self.y_ticks[0], self.y_ticks[-1]
        top, bottom = self.margins[2], self.height - self.margins[3]
        return bottom - (y - lo) / ((hi - lo) or 1) * (bottom - top)

    def place_labels(
        self, anchors: list[tuple[float, float]], *, max_drop: float | None = None
    ) -> list[float | None]:
        """Return a label y for each (x, y) anchor, nudged down so nearby labels don't overlap.

        With `max_drop`, a label that would sit more than that far below its point is left off
        (None): it would name the wrong dot, and with hundreds of models in a crowd nudging
        every label clear of every other took seconds.
        """
        placed: list[tuple[float, float]] = []
        result: list[float | None] = [None] * len(anchors)
        for index in sorted(range(len(anchors)), key=lambda i: anchors[i][1]):
            x, y = anchors[index]
            label_y = y + 4
            # Each nudge clears the labels it clashed with, so it takes at most one per label
            # placed (bounded all the same: float rounding can leave a nudge where it was).
            for _ in range(len(placed) + 1):
                if max_drop is not None and label_y - (y + 4) > max_drop:
                    break
                clash = [
                    py for px, py in placed if abs(px - x) < 90 and abs(py - label_y) < LABEL_HEIGHT
                ]
                if not clash:
                    placed.append((x, label_y))
                    result[index] = round(label_y, 1)
                    break
                label_y = max(clash) + LABEL_HEIGHT
            else:
                if max_drop is None:  # as before: placed where the last nudge left it
                    placed.append((x, label_y))
                    result[index] = round(label_y, 1)
        return result


@dataclass
class Dot:
    """One scatter point (a model), drawn as a disc or, if `hollow`, a ring."""

    x: float
    y: float
    colour: str
    tip: str
    label: str
    label_x: float
    label_y: float | None  # None: no room for the label (the dot's tooltip still names it)
    href: str = ""
    hollow: bool = False


@dataclass
class Path:
    """One line (a model over time, an option over volume), with its end label and day dots."""

    points: str
    colour: str
    title: str
    label: str
    label_x: float
    label_y: float
    href: str = ""
    dashed: bool = False
    #: The day dots' markup (`_day_dots`), "" for a line without them.
    dots: str = ""


@dataclass
class Chart:
    """What a chart template draws: the frame, labelled ticks, and the chart's own marks."""

    title: str
    description: str
    frame: Frame
    x_label: str
    y_label: str
    x_format: object = "{:g}".format
    y_format: object = "{:g}".format
    dots: list[Dot] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    #: The note in the plot's corner saying which way is better.
    better: str = ""
    #: A dashed vertical line at x with its label: (x in SVG units, label).
    marker: tuple[float, str] | None = None
    #: The arena's marks (its own template draws them), and how many models had no cost.
    points: list[dict] = field(default_factory=list)
    missing: int = 0

    @property
    def ident(self) -> str:
        return "chart-" + "".join(c if c.isalnum() else "-" for c in self.title.lower())

    @property
    def width(self) -> int:
        return self.frame.width

    @property
    def height(self) -> int:
        return self.frame.height

    @property
    def left(self) -> int:
        return self.frame.margins[0]

    @property
    def right(self) -> int:
        return self.frame.width - self.frame.margins[1]

    @property
    def top(self) -> int:
        return self.frame.margins[2]

    @property
    def bottom(self) -> int:
        return self.frame.height - self.frame.margins[3]

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top

    @property
    def x_ticks(self) -> list[Tick]:
        return [Tick(round(self.frame.px(t), 1), self.x_format(t)) for t in self.frame.x_ticks]

    @property
    def y_ticks(self) -> list[Tick]:
        return [Tick(round(self.frame.py(t), 1), self.y_format(t)) for t in self.frame.y_ticks]

    @property
    def x_label_at(self) -> float:
        return (self.left + self.right) / 2

    @property
    def y_label_at(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Point:
    x: float | None
    y: float | None
    label: str
    href: str = ""
    colour: str = "series-0"
    #: Drawn as a ring: a point whose y flatters it (a mostly frozen model's coherence).
    hollow: bool = False


@dataclass
class Series:
    label: str
    points: list[tuple[date, float]]
    href: str = ""
    colour: str = "series-0"


@dataclass
class Line:
    label: str
    points: list[tuple[float, float]]
    colour: str = "series-0"
    dashed: bool = False


def _y_ticks(values: list[float], y_cap: float | None) -> list[float]:
    ticks = nice_ticks(*_padded(values))
    if y_cap is not None and ticks[-1] > y_cap:
        # A score that cannot pass y_cap (SSIM: 1.0) gets no axis beyond it.
        ticks = [t for t in ticks if t < y_cap] + [y_cap]
    return ticks


def scatter(
    points: list[Point],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_format=lambda v: f"{v:g}",
    y_format=lambda v: f"{v:g}",
    better: str = "",
    y_cap: float | None = None,
) -> Chart | None:
    """Return a labelled scatter plot, one point per model, or None with nothing to plot."""
    points = [p for p in points if p.x is not None and p.y is not None]
    if not points:
        return None
    xs, ys = [p.x for p in points], [p.y for p in points]
    frame = Frame(nice_ticks(*_padded(xs)), _y_ticks(ys, y_cap))
    anchors = [(frame.px(p.x), frame.py(p.y)) for p in points]
    dots = [
        Dot(
            x=round(x, 1),
            y=round(y, 1),
            colour=p.colour,
            tip=f"{p.label}: {x_label} {x_format(p.x)}, {y_label} {y_format(p.y)}",
            label=_short(p.label),
            label_x=round(x + 9, 1),
            label_y=label_y,
            href=p.href,
            hollow=p.hollow,
        )
        for p, (x, y), label_y in zip(
            points, anchors, frame.place_labels(anchors, max_drop=MAX_LABEL_DROP), strict=True
        )
    ]
    return Chart(
        title, f"{y_label} against {x_label}, one point per model.", frame, x_label, y_label,
        x_format=x_format, y_format=y_format, dots=dots, better=better,
    )  # fmt: skip


def trend(
    series: list[Series],
    *,
    title: str,
    y_label: str,
    y_format=lambda v: f"{v:g}",
    y_cap: float | None = None,
    days: int = 1,
) -> Chart | None:
    """Return a line chart of each model's value over time (a point per benchmark day, or per
    span of `days` days dated on its first)."""
    series = [s for s in series if s.points]
    if not series:
        return None
    ordinals = [d.toordinal() for s in series for d, _ in s.points]
    # About eight evenly spaced days, with a spare day at each end.
    first, last = min(ordinals) - 1, max(ordinals) + 1
    step = max(1, round((last - first) / 8))
    x_ticks = [float(day) for day in range(first, last + step, step)]
    y_ticks = _y_ticks([v for s in series for _, v in s.points], y_cap)
    frame = Frame(x_ticks, y_ticks, width=860, height=320)
    coords = [[(frame.px(d.toordinal()), frame.py(v)) for d, v in s.points] for s in series]
    label_ys = frame.place_labels([points[-1] for points in coords])
    when = " on" if days == 1 else f", {days} days from"
    paths = [
        Path(
            points=" ".join(f"{x:.1f},{y:.1f}" for x, y in points),
            colour=s.colour,
            title="",  # each day's dot has its own
            label=_short(s.label),
            label_x=round(points[-1][0] + 8, 1),
            label_y=label_y,
            href=s.href,
            dots=_day_dots(
                points, [f"{s.label}{when} {d:%-d %b %Y}: {y_format(v)}" for d, v in s.points]
            ),
        )
        for s, points, label_y in zip(series, coords, label_ys, strict=True)
    ]
    per = "benchmark date" if days == 1 else f"{days} days of benchmark dates"
    return Chart(
        title, f"{y_label} of each model per {per}.", frame, "Benchmark date", y_label,
        x_format=lambda v: date.fromordinal(int(v)).strftime("%-d %b"), y_format=y_format,
        paths=paths,
    )  # fmt: skip


def _day_dots(points: list[tuple[float, float]], tips: list[str]) -> str:
    """Return the markup of a trend line's day dots, each with its tooltip (escaped).

    Made here rather than looped over in _chart.html: the template's loop over a leaderboard's
    480 dots took 10 ms of its render (format_html per dot, 3 ms).
    """
    return mark_safe(
        "".join(
            f'<circle class="day" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{escape(tip)}</title>'
            "</circle>"
            for (x, y), tip in zip(points, tips, strict=True)
        )
    )


def lines(
    series: list[Line],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_format=lambda v: f"{v:g}",
    y_format=lambda v: f"{v:g}",
    marker: tuple[float, str] | None = None,
) -> Chart | None:
    """Return a line chart of numeric series (cost against volume), with an optional x marker."""
    series = [s for s in series if s.points]
    if not series:
        return None
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    frame = Frame(nice_ticks(min(xs), max(xs)), _y_ticks(ys, None))
    coords = [[(frame.px(x), frame.py(y)) for x, y in s.points] for s in series]
    label_ys = frame.place_labels([points[-1] for points in coords])
    paths = [
        Path(
            points=" ".join(f"{x:.1f},{y:.1f}" for x, y in points),
            colour=s.colour,
            title=s.label,
            label=_short(s.label, 14),
            label_x=round(points[-1][0] + 8, 1),
            label_y=label_y,
            dashed=s.dashed,
        )
        for s, points, label_y in zip(series, coords, label_ys, strict=True)
    ]
    shown = marker is not None and frame.x_ticks[0] <= marker[0] <= frame.x_ticks[-1]
    return Chart(
        title, f"{y_label} against {x_label}, one line per option.", frame, x_label, y_label,
        x_format=x_format, y_format=y_format, paths=paths,
        marker=(round(frame.px(marker[0]), 1), marker[1]) if shown else None,
    )  # fmt: skip


def rating_vs_cost(ratings, costs: dict[int, float]) -> Chart | None:
    """Return the arena's chart of each rating (with its interval) against the model's cost.

    None when no rated model has a cost; models without one are counted in `missing`, never
    placed on the cost axis.
    """
    shown = [r for r in ratings if costs.get(r.video_model_id) is not None]
    if not shown:
        return None
    # Axes span the data (not zero): models a few cents apart must not sit on one spot.
    cheapest = min(costs[r.video_model_id] for r in shown)
    dearest = max(costs[r.video_model_id] for r in shown)
    pad = max((dearest - cheapest) * 0.1, dearest * 0.05, 0.01)
    frame = Frame(
        nice_ticks(max(0.0, cheapest - pad), dearest + pad, count=6),
        nice_ticks(min(r.lower for r in shown) - 10, max(r.upper for r in shown) + 10, count=6),
        width=720,
        height=380,
        margins=(64, 24, 16, 48),
    )
    left, right = frame.margins[0], frame.width - frame.margins[1]
    points = []
    for rating in shown:
        cost = costs[rating.video_model_id]
        x = round(frame.px(cost), 1)
        points.append(
            {
                "x": x,
                "y": round(frame.py(rating.rating), 1),
                "y_low": round(frame.py(rating.lower), 1),
                "y_high": round(frame.py(rating.upper), 1),
                "label": rating.video_model.display_name,
                "cost": cost,
                "rating": rating,
                # Labels of the dearest quarter go to the left, inside the plot.
                "label_right": x < left + (right - left) * 0.75,
            }
        )
    return Chart(
        "Rating against cost per clip", "", frame, "Cost per clip (USD)", "Arena rating",
        x_format=lambda v: f"${v:g}", points=points, missing=len(ratings) - len(shown),
    )  # fmt: skip
