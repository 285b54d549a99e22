"""Number formatting for the public pages: one place decides how a cost or a time reads."""

from decimal import Decimal

from django import template

register = template.Library()

DASH = "—"


@register.filter
def usd(value, places: int = 2):
    """Format dollars: $0.25 (more places for sub-cent amounts)."""
    if value is None or value == "":
        return DASH
    value = Decimal(str(value))
    places = int(places)
    if 0 < abs(value) < Decimal("0.01") and places < 3:
        places = 4
    return f"${value:,.{places}f}"


@register.filter
def seconds(value):
    """Format a duration in seconds (a number or a timedelta): 42.1 s, 3 min 05 s."""
    if value is None or value == "":
        return DASH
    if hasattr(value, "total_seconds"):
        value = value.total_seconds()
    value = float(value)
    if value >= 120:
        minutes, rest = divmod(round(value), 60)
        return f"{minutes} min {rest:02d} s"
    return f"{value:.1f} s"


@register.filter
def pct(value):
    """Format a 0–1 fraction as a whole percentage."""
    if value is None or value == "":
        return DASH
    return f"{float(value) * 100:.0f}%"


@register.filter
def num(value, places: int = 3):
    """Format a score with a fixed number of decimals."""
    if value is None or value == "":
        return DASH
    return f"{float(value):.{int(places)}f}"


@register.filter
def signed(value, places: int = 3):
    """Format a change with its sign: +0.012, −0.004 (a real minus sign)."""
    if value is None or value == "":
        return DASH
    value = float(value)
    text = f"{abs(value):.{int(places)}f}"
    if float(text) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


@register.filter
def trend_class(value, higher_is_better: bool = True):
    """Return the CSS class of a change: better, worse or flat."""
    # Changes that round to zero where they are shown (3 decimals at most) are no change.
    if value is None or value == "" or round(float(value), 3) == 0:
        return "delta-flat"
    better = (float(value) > 0) == bool(higher_is_better)
    return "delta-better" if better else "delta-worse"


@register.filter
def tiers(generation):
    """Return a generation's files by tier (from the prefetched assets: no query)."""
    return {asset.tier: asset for asset in generation.assets.all()}


@register.filter
def first_samples(generations):
    """Return each model's first sample: one clip per model for cards and counts."""
    return [g for g in generations if g.sample == 0]


@register.filter
def any_synthetic(generations):
    """Return True if any of these generations was made by a synthetic (demo) model."""
    return any(g.video_model.synthetic for g in generations)


@register.filter
def contains(collection, item):
    """Return True if `item` is in `collection`."""
    return item in collection
