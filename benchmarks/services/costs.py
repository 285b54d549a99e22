"""What runs cost: estimates at submit, spend this month, the monthly budget."""

import statistics
from dataclasses import dataclass
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

    `request` is the one the plugin will send (`requests.run_request`): its resolution, duration
    and options are what is priced. None means unknown, never zero: no price for that resolution.

    A self-hosted model has no price: its estimate is the median computed cost per second of
    its recent clips × the duration, and None (unknown) until it has made one.
    """
    price = model.price_at(when, request.resolution)
    if price is None:
        return computed_estimate(model, request) if model.is_self_hosted else None
    plugin = plugin_for(model)
    return plugin.estimate_cost(request, amount=price.amount, unit=price.unit)


@dataclass(frozen=True)
class Estimate:
    """What one attempt on one model is expected to cost, as the budget check weighs it."""

    model: VideoModel
    resolution: str
    amount: Decimal | None  # None: unknown (no price for that resolution)

    @property
    def counted(self) -> Decimal:
        """Return what the attempt adds to the month's spend: demo clips cost nothing real."""
        return Decimal("0") if self.model.synthetic or self.amount is None else self.amount

    @property
    def unpriced(self) -> bool:
        """Say whether a vendor may bill an amount we can't estimate. A self-hosted model's first
        clips have no estimate either, but they cost our own GPU time, computed after the job."""
        return self.amount is None and not self.model.synthetic and not self.model.is_self_hosted

    @property
    def missing_price(self) -> str:
        return f"{self.model} has no price for {self.resolution} clips"


def estimate(model: VideoModel, request: GenerationRequest) -> Estimate:
    """Return the Estimate of sending `request` to `model` (the request the plugin will send)."""
    return Estimate(model, request.resolution, estimate_cost(model, request))


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
    the estimate of an attempt still waiting to be submitted (`with_committed`). Clips of the
    built-in synthetic renderer cost nothing real and never count; an imported clip counts only
    the cost staff entered.
    """
    now = now or timezone.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total = (
        Generation.objects.filter(queued_at__gte=start, video_model__synthetic=False)
        .with_committed()
        .aggregate(total=Sum("committed"))["total"]
    )
    return total or Decimal("0")


def monthly_budget() -> Decimal:
    """Return MONTHLY_BUDGET_USD as dollars."""
    return Decimal(str(settings.MONTHLY_BUDGET_USD))
