"""Geometry for the arena's server-rendered SVG chart: rating (with its interval) against cost.

The template draws what this returns; no JavaScript is involved.
"""

import math

WIDTH, HEIGHT = 720, 380
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 16, 48
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return about `count` round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def rating_vs_cost(ratings, costs: dict[int, float]) -> dict | None:
    """Return the chart's points, ticks and size, or None when no rated model has a cost."""
    shown = [r for r in ratings if costs.get(r.video_model_id) is not None]
    if not shown:
        return None
    x_ticks = _cost_ticks([costs[r.video_model_id] for r in shown])
    y_ticks = nice_ticks(min(r.lower for r in shown) - 10, max(r.upper for r in shown) + 10)
    sx, sy = _x_scale(x_ticks), _y_scale(y_ticks)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "points": [_point(r, costs[r.video_model_id], sx=sx, sy=sy) for r in shown],
        "x_ticks": [{"at": sx(v), "label": f"${v:g}"} for v in x_ticks],
        "y_ticks": [{"at": sy(v), "label": f"{v:g}"} for v in y_ticks],
        "x_title_at": LEFT + PLOT_WIDTH / 2,
        "y_title_at": TOP + PLOT_HEIGHT / 2,
        "missing": len(ratings) - len(shown),
    }


def _cost_ticks(costs: list[float]) -> list[float]:
    """Return the cost axis ticks, padded around the cheapest and dearest cost."""
    # Axes span the data (not zero): models a few cents apart must not sit on one spot.
    cheapest, dearest = min(costs), max(costs)
    pad = max((dearest - cheapest) * 0.1, dearest * 0.05, 0.01)
    return nice_ticks(max(0.0, cheapest - pad), dearest + pad)


def _x_scale(ticks: list[float]):
    """Return a function placing a cost on the x axis that `ticks` span, in SVG units."""
    x0, x1 = ticks[0], ticks[-1]
    return lambda value: round(LEFT + (value - x0) / (x1 - x0) * PLOT_WIDTH, 1)


def _y_scale(ticks: list[float]):
    """Return a function placing a rating on the y axis that `ticks` span, in SVG units."""
    y0, y1 = ticks[0], ticks[-1]
    return lambda value: round(TOP + (1 - (value - y0) / (y1 - y0)) * PLOT_HEIGHT, 1)


def _point(rating, cost: float, *, sx, sy) -> dict:
    """Return one model's marker: its rating and interval at its cost, and its label."""
    return {
        "x": sx(cost),
        "y": sy(rating.rating),
        "y_low": sy(rating.lower),
        "y_high": sy(rating.upper),
        "label": rating.video_model.display_name,
        "cost": cost,
        "rating": rating,
        "label_right": sx(cost) < LEFT + PLOT_WIDTH * 0.75,
    }
