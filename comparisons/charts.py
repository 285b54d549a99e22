"""Charts as SVG rendered on the server: no script, no CDN, readable without JavaScript.

Each function returns safe SVG markup. Colours are presentation attributes (the CSP forbids
inline styles); every point links to the model page behind it and carries a <title> tooltip.
"""

import math
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Colour-blind-friendly palette (Okabe-Ito, darkened for contrast on white).
PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a5c00", "#444"]

#: Plot margins (px): room for tick labels on the left and below, and point labels on the right.
LEFT, RIGHT, TOP, BOTTOM = 58, 96, 16, 46
#: Share of the data range added on each side so no point sits on the frame.
PAD = 0.08
#: Vertical room one point label needs (px).
LABEL_HEIGHT = 13


@dataclass
class Point:
    x: float
    y: float
    label: str
    href: str = ""
    colour: str = PALETTE[0]
    #: Drawn as a ring: a point whose y flatters it (a mostly frozen model's coherence).
    hollow: bool = False


@dataclass
class Series:
    label: str
    points: list[tuple[date, float]]
    href: str = ""
    colour: str = PALETTE[0]


def colour_for(index: int) -> str:
    """Return the palette colour of the `index`-th model of a page."""
    return PALETTE[index % len(PALETTE)]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return round tick values covering [low, high]."""
    # Equal values, or values a float's rounding apart (means the database summed in its own
    # order): a step that small would never move `value` below, and the loop would not end.
    if high - low <= max(abs(low), abs(high)) * 1e-9:
        high = low + (abs(low) or 1) * 0.1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _padded(values: list[float]) -> tuple[float, float]:
    """Return the axis range around `values`; never below zero when no value is (a cost, a time)."""
    low, high = min(values), max(values)
    pad = (high - low) * PAD or abs(high) * PAD or 0.05
    return (max(low - pad, 0.0) if low >= 0 else low - pad), high + pad


class _Frame:
    """Maps data to pixels inside the plot area and draws axes, grid and labels."""

    def __init__(self, xs, ys, x_label, y_label, *, size=(560, 340), x_ticks=None, y_cap=None):
        self.width, self.height = size
        self.x_ticks = x_ticks or nice_ticks(*_padded(xs))
        self.y_ticks = nice_ticks(*_padded(ys))
        if y_cap is not None and self.y_ticks[-1] > y_cap:
            # A score that cannot pass y_cap (SSIM: 1.0) gets no axis beyond it.
            self.y_ticks = [t for t in self.y_ticks if t < y_cap] + [y_cap]
        self.x_label, self.y_label = x_label, y_label
        self.plot_w = self.width - LEFT - RIGHT
        self.plot_h = self.height - TOP - BOTTOM

    def px(self, x: float) -> float:
        lo, hi = self.x_ticks[0], self.x_ticks[-1]
        return LEFT + (x - lo) / ((hi - lo) or 1) * self.plot_w

    def py(self, y: float) -> float:
        lo, hi = self.y_ticks[0], self.y_ticks[-1]
        return TOP + self.plot_h - (y - lo) / ((hi - lo) or 1) * self.plot_h

    def axes(self, x_format, y_format) -> list[str]:
        parts = []
        for tick in self.y_ticks:
            y = self.py(tick)
            parts.append(
                f'<line x1="{LEFT}" x2="{LEFT + self.plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                'stroke="#e2e3e0" stroke-width="1"/>'
                f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                f'fill="#5d6470">{escape(y_format(tick))}</text>'
            )
        for tick in self.x_ticks:
            x = self.px(tick)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + self.plot_h}" '
                'stroke="#eeefec" stroke-width="1"/>'
                f'<text x="{x:.1f}" y="{TOP + self.plot_h + 16}" text-anchor="middle" '
                f'font-size="11" fill="#5d6470">{escape(x_format(tick))}</text>'
            )
        parts.append(
            f'<rect x="{LEFT}" y="{TOP}" width="{self.plot_w}" height="{self.plot_h}" '
            'fill="none" stroke="#c9cbc6"/>'
            f'<text x="{LEFT + self.plot_w / 2:.1f}" y="{self.height - 6}" text-anchor="middle" '
            f'font-size="12" fill="#16181d">{escape(self.x_label)}</text>'
            f'<text transform="translate(14 {TOP + self.plot_h / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle" font-size="12" fill="#16181d">{escape(self.y_label)}</text>'
        )
        return parts

    def place_labels(self, anchors: list[tuple[float, float]]) -> list[float]:
        """Return a label y for each (x, y) anchor, nudged so nearby labels don't overlap."""
        placed: list[tuple[float, float]] = []
        result = [0.0] * len(anchors)
        for index in sorted(range(len(anchors)), key=lambda i: anchors[i][1]):
            x, y = anchors[index]
            label_y = y + 4
            for _ in range(len(anchors)):
                clash = [
                    py for px, py in placed if abs(px - x) < 90 and abs(py - label_y) < LABEL_HEIGHT
                ]
                if not clash:
                    break
                label_y = max(clash) + LABEL_HEIGHT
            placed.append((x, label_y))
            result[index] = label_y
        return result


def _svg(title: str, description: str, body: list[str], size=(560, 340)) -> SafeString:
    ident = "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())
    width, height = size
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _link(href: str, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


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
) -> SafeString:
    """Return a labelled scatter plot, or an empty string when there is nothing to plot."""
    points = [p for p in points if p.x is not None and p.y is not None]
    if not points:
        return mark_safe("")
    frame = _Frame([p.x for p in points], [p.y for p in points], x_label, y_label, y_cap=y_cap)
    body = frame.axes(x_format, y_format)
    if better:
        body.append(_better_note(frame, better))
    anchors = [(frame.px(p.x), frame.py(p.y)) for p in points]
    for point, anchor, label_y in zip(points, anchors, frame.place_labels(anchors), strict=True):
        tip = f"{point.label}: {x_label} {x_format(point.x)}, {y_label} {y_format(point.y)}"
        body.append(_dot(point, anchor, label_y, tip))
    return _svg(title, f"{y_label} against {x_label}, one point per model.", body)


def _better_note(frame: _Frame, better: str) -> str:
    """Return the note in the plot's corner saying which way is better."""
    return (
        f'<text x="{LEFT + frame.plot_w - 8}" y="{TOP + frame.plot_h - 10}" '
        f'text-anchor="end" font-size="11" fill="#2f5bea">{escape(better)}</text>'
    )


def _dot(point: Point, anchor: tuple[float, float], label_y: float, tip: str) -> str:
    """Return one scatter point: its circle (a ring if hollow), tooltip and label, linked."""
    x, y = anchor
    paint = (
        f'fill="#fff" stroke="{point.colour}" stroke-width="2.5"'
        if point.hollow
        else f'fill="{point.colour}" stroke="#fff" stroke-width="1.5"'
    )
    return _link(
        point.href,
        f"<g><title>{escape(tip)}</title>"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" {paint}/>'
        f'<text x="{x + 9:.1f}" y="{label_y:.1f}" font-size="11" fill="#16181d">'
        f"{escape(_short(point.label))}</text></g>",
    )


def trend(
    series: list[Series],
    *,
    title: str,
    y_label: str,
    y_format=lambda v: f"{v:g}",
    y_cap: float | None = None,
):
    """Return a line chart of each model's value over time (one point per benchmark day)."""
    series = [s for s in series if s.points]
    if not series:
        return mark_safe("")
    size = (860, 320)
    days = [d.toordinal() for s in series for d, _ in s.points]
    values = [v for s in series for _, v in s.points]
    frame = _Frame(
        days, values, "Benchmark date", y_label, size=size, x_ticks=_day_ticks(days), y_cap=y_cap
    )
    body = frame.axes(lambda v: date.fromordinal(int(v)).strftime("%-d %b"), y_format)
    coords = [[(frame.px(d.toordinal()), frame.py(v)) for d, v in s.points] for s in series]
    label_ys = frame.place_labels([points[-1] for points in coords])
    for s, points, label_y in zip(series, coords, label_ys, strict=True):
        body.append(_line(s, points, label_y, y_format))
    return _svg(title, f"{y_label} of each model per benchmark date.", body, size)


def _day_ticks(days: list[int]) -> list[float]:
    """Return about eight evenly spaced day ordinals, with a spare day at each end."""
    first, last = min(days) - 1, max(days) + 1
    step = max(1, round((last - first) / 8))
    return [float(day) for day in range(first, last + step, step)]


def _line(s: Series, points: list[tuple[float, float]], label_y: float, y_format) -> str:
    """Return one model's line: a polyline, a dot with a tooltip per day, an end label, linked."""
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.colour}"><title>'
        f"{escape(s.label)} on {d:%-d %b %Y}: {escape(y_format(v))}</title></circle>"
        for (x, y), (d, v) in zip(points, s.points, strict=True)
    )
    end_x = points[-1][0]
    return _link(
        s.href,
        f'<g><polyline points="{line}" fill="none" stroke="{s.colour}" '
        f'stroke-width="2"/>{dots}'
        f'<text x="{end_x + 8:.1f}" y="{label_y:.1f}" font-size="11" '
        f'fill="{s.colour}">{escape(_short(s.label))}</text></g>',
    )


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass
class Line:
    label: str
    points: list[tuple[float, float]]
    colour: str = PALETTE[0]
    dashed: bool = False


def lines(
    series: list[Line],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_format=lambda v: f"{v:g}",
    y_format=lambda v: f"{v:g}",
    marker: tuple[float, str] | None = None,
) -> SafeString:
    """Return a line chart of numeric series (cost against volume), with an optional x marker."""
    series = [s for s in series if s.points]
    if not series:
        return mark_safe("")
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    frame = _Frame(xs, ys, x_label, y_label, x_ticks=nice_ticks(min(xs), max(xs)))
    body = frame.axes(x_format, y_format)
    if marker is not None and frame.x_ticks[0] <= marker[0] <= frame.x_ticks[-1]:
        x = frame.px(marker[0])
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + frame.plot_h}" '
            'stroke="#16181d" stroke-width="1" stroke-dasharray="4 3"/>'
            f'<text x="{x + 4:.1f}" y="{TOP + 12}" font-size="11" fill="#16181d">'
            f"{escape(marker[1])}</text>"
        )
    coords = [[(frame.px(x), frame.py(y)) for x, y in s.points] for s in series]
    label_ys = frame.place_labels([points[-1] for points in coords])
    for s, points, label_y in zip(series, coords, label_ys, strict=True):
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f"<g><title>{escape(s.label)}</title>"
            f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2.5"{dash}/>'
            f'<text x="{points[-1][0] + 8:.1f}" y="{label_y:.1f}" font-size="11" '
            f'fill="{s.colour}">{escape(_short(s.label, 14))}</text></g>'
        )
    return _svg(title, f"{y_label} against {x_label}, one line per option.", body)
