"""Geometry for the arena's server-rendered SVG chart: rating (with its interval) against cost.

The template draws what this returns; no JavaScript is involved.
"""

import math

WIDTH, HEIGHT = 720, 380
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 16, 48


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
    # Axes span the data (not zero): models a few cents apart must not sit on one spot.
    cheapest = min(costs[r.video_model_id] for r in shown)
    dearest = max(costs[r.video_model_id] for r in shown)
    pad = max((dearest - cheapest) * 0.1, dearest * 0.05, 0.01)
    x_ticks = nice_ticks(max(0.0, cheapest - pad), dearest + pad)
    y_ticks = nice_ticks(min(r.lower for r in shown) - 10, max(r.upper for r in shown) + 10)
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(value):
        return round(LEFT + (value - x0) / (x1 - x0) * plot_w, 1)

    def sy(value):
        return round(TOP + (1 - (value - y0) / (y1 - y0)) * plot_h, 1)

    points = [
        {
            "x": sx(costs[r.video_model_id]),
            "y": sy(r.rating),
            "y_low": sy(r.lower),
            "y_high": sy(r.upper),
            "label": r.video_model.display_name,
            "cost": costs[r.video_model_id],
            "rating": r,
            "label_right": sx(costs[r.video_model_id]) < LEFT + plot_w * 0.75,
        }
        for r in shown
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "points": points,
        "x_ticks": [{"at": sx(v), "label": f"${v:g}"} for v in x_ticks],
        "y_ticks": [{"at": sy(v), "label": f"{v:g}"} for v in y_ticks],
        "x_title_at": LEFT + plot_w / 2,
        "y_title_at": TOP + plot_h / 2,
        "missing": len(ratings) - len(shown),
    }
