"""The staff operations page: queues, in-flight and stuck generations, failures, latency, spend.

Alert thresholds come from the seeds: P99 latency over 15 s (applied to our own part of the
pipeline, queue wait + download + transcode + scoring, since a provider takes minutes by design)
and failure spikes (a model's 24 h failure rate over OPS_FAILURE_RATE_ALERT with at least
FAILURE_MIN_COUNT failures, so one unlucky clip is not a spike).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from api.models import CallbackDelivery
from benchmarks.models import Generation
from benchmarks.services import costs
from benchmarks.services.reaper import generations_stuck
from ops.metrics import queue_depths

WINDOW = timedelta(hours=24)
FAILURE_MIN_COUNT = 3
IN_FLIGHT_SHOWN = 50
BUDGET_ALERT = Decimal("0.9")
#: Queue depth that is worth a look: more waiting than two cores clear in a few minutes.
QUEUE_ALERT = 100


def percentile(values: list[float], p: float) -> float | None:
    """Return the nearest-rank percentile `p` (0–100) of `values`, or None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class ModelHealth:
    slug: str
    name: str
    finished: int = 0
    failed: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    overhead: list[float] = field(default_factory=list)
    provider: list[float] = field(default_factory=list)

    @property
    def failure_rate(self) -> float:
        return self.failed / self.finished if self.finished else 0.0

    @property
    def failure_spike(self) -> bool:
        return (
            self.failed >= FAILURE_MIN_COUNT and self.failure_rate > settings.OPS_FAILURE_RATE_ALERT
        )

    def p(self, series: str, q: float) -> float | None:
        return percentile(getattr(self, series), q)

    @property
    def overhead_p50(self):
        return self.p("overhead", 50)

    @property
    def overhead_p95(self):
        return self.p("overhead", 95)

    @property
    def overhead_p99(self):
        return self.p("overhead", 99)

    @property
    def provider_p50(self):
        return self.p("provider", 50)

    @property
    def provider_p99(self):
        return self.p("provider", 99)

    @property
    def latency_alert(self) -> bool:
        p99 = self.overhead_p99
        return p99 is not None and p99 > settings.OPS_P99_ALERT_SECONDS

    @property
    def kinds_text(self) -> str:
        return ", ".join(f"{kind or 'unknown'} {n}" for kind, n in sorted(self.kinds.items()))


def model_health(now=None) -> list[ModelHealth]:
    """Return per-model failures and latency percentiles over the last 24 hours."""
    since = (now or timezone.now()) - WINDOW
    # Plain tuples, not model instances: a busy day is thousands of rows.
    rows = (
        Generation.objects.filter(
            Q(state=Generation.State.COMPLETE, completed_at__gte=since)
            | Q(state=Generation.State.FAILED, failed_at__gte=since)
        )
        .values_list(
            "video_model__slug",
            "video_model__display_name",
            "state",
            "error_kind",
            "queued_at",
            "submitting_at",
            "submitted_at",
            "downloading_at",
            "transcoding_at",
            "scoring_at",
            "completed_at",
        )  # fmt: skip
        .order_by()
    )
    health: dict[str, ModelHealth] = {}
    for slug, name, state, kind, queued, submitting, submitted, *stamps in rows.iterator(
        chunk_size=5000
    ):
        row = health.setdefault(slug, ModelHealth(slug, name))
        row.finished += 1
        if state == Generation.State.FAILED:
            row.failed += 1
            row.kinds[kind] += 1
            continue
        downloading, transcoding, scoring, completed = stamps
        if None not in (queued, submitting, downloading, transcoding, scoring, completed):
            ours = (submitting - queued) + (completed - downloading)
            row.overhead.append(ours.total_seconds())
        if submitted and downloading:
            row.provider.append((downloading - submitted).total_seconds())
    return sorted(health.values(), key=lambda h: (not h.failure_spike, -h.failure_rate, h.slug))


def ops_snapshot(now=None) -> dict:
    """Return everything the operations page shows."""
    now = now or timezone.now()
    in_flight = Generation.objects.exclude(state__in=Generation.FINAL_STATES).select_related(
        "video_model", "run"
    )
    counts: dict[str, int] = defaultdict(int)
    for state in in_flight.values_list("state", flat=True):
        counts[state] += 1
    spent, budget = costs.spend_this_month(now), costs.monthly_budget()
    depths = queue_depths()
    return {
        "now": now,
        "queues": None if depths is None else sorted(depths.items()),
        "queue_alert": QUEUE_ALERT,
        "in_flight_counts": sorted(counts.items()),
        "in_flight_total": sum(counts.values()),
        "in_flight": list(in_flight.order_by("queued_at")[:IN_FLIGHT_SHOWN]),
        "stuck": generations_stuck(now),
        "health": model_health(now),
        "spent": spent,
        "budget": budget,
        "budget_share": (spent / budget) if budget else None,
        "budget_alert": bool(budget) and spent >= budget * BUDGET_ALERT,
        "p99_alert_seconds": settings.OPS_P99_ALERT_SECONDS,
        "failure_rate_alert": settings.OPS_FAILURE_RATE_ALERT,
        "failure_min_count": FAILURE_MIN_COUNT,
        "callback_failures": list(
            CallbackDelivery.objects.recent().filter(
                status__in=[
                    CallbackDelivery.Status.FAILED,
                    CallbackDelivery.Status.GAVE_UP,
                    CallbackDelivery.Status.REFUSED,
                ]
            )[:20]
        ),
    }


@staff_member_required
def ops_view(request):
    return render(request, "ops/ops.html", {"section": "ops", **ops_snapshot()})
