"""What runs cost: estimates at submit, spend this month, the monthly budget."""

import statistics
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from benchmarks.models import Generation, VideoModel
from benchmarks.providers.base import GenerationRequest
from benchmarks.providers.registry import plugin_for

#: How many recent computed costs a self-hosted model's estimate is the median of.
COMPUTED_SAMPLE = 20


def estimate_cost(model: VideoModel, request: GenerationRequest, when=None) -> Decimal | None:
    """Return the expected cost of `request` on `model` at the price valid `when`, or None.

    A self-hosted model has no price: its estimate is the median computed cost per second of
    its recent clips × the duration, and None (unknown) until it has made one.
    """
    price = model.price_at(when, request.resolution)
    if price is None:
        return computed_estimate(model, request) if model.is_self_hosted else None
    plugin = plugin_for(model)
    return plugin.estimate_cost(request, amount=price.amount, unit=price.unit)


def computed_estimate(model: VideoModel, request: GenerationRequest) -> Decimal | None:
    """Return the median computed cost per second of `model`'s recent clips × the duration."""
    recent = (
        Generation.objects.cost_computed()
        .filter(video_model=model)
        .order_by("-pk")
        .values_list("actual_cost", "run__duration")[:COMPUTED_SAMPLE]
    )
    per_second = [cost / seconds for cost, seconds in recent if seconds]
    if not per_second:
        return None
    return (statistics.median(per_second) * request.duration).quantize(Decimal("0.0001"))


def spend_this_month(now=None) -> Decimal:
    """Return everything spent or committed this calendar month.

    Each generation counts what its attempts were or may have been billed (`with_spent`), plus
    the estimate of an attempt still waiting to be submitted (`with_committed`).
    """
    now = now or timezone.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total = (
        Generation.objects.filter(queued_at__gte=start)
        .with_committed()
        .aggregate(total=Sum("committed"))["total"]
    )
    return total or Decimal("0")


def monthly_budget() -> Decimal:
    return Decimal(str(settings.MONTHLY_BUDGET_USD))
