"""What runs cost: estimates at submit, spend this month, the monthly budget."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from benchmarks.models import Generation, VideoModel
from benchmarks.providers.base import GenerationRequest
from benchmarks.providers.registry import get_plugin


def estimate_cost(model: VideoModel, request: GenerationRequest, when=None) -> Decimal | None:
    """Return the expected cost of `request` on `model` at the price valid `when`, or None."""
    price = model.price_at(when, request.resolution)
    if price is None:
        return None
    plugin = get_plugin(model.plugin_key)
    return plugin.estimate_cost(request, amount=price.amount, unit=price.unit)


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
