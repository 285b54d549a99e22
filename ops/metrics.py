"""Prometheus `/metrics`: queues, generations by state, per-model phase latencies, failures, spend.

Everything is read from the database (and the broker) at scrape time, so every web process
answers the same numbers and nothing is lost when one restarts. Latency histograms are built from
the Generation timestamps: p50/p95/p99 follow with `histogram_quantile`.
"""

import hmac
import ipaddress
from datetime import timedelta

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

from api.models import CallbackDelivery
from benchmarks.models import Generation
from benchmarks.services import costs

QUEUES = ("io", "media")
#: Kombu's Redis transport keeps messages sent with a priority in `<queue>\x06\x16<priority>`.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)
BROKER_TIMEOUT = 2.0
#: Seconds. 15 is the seeds' P99 alert line; provider times reach minutes, downloads seconds.
BUCKETS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)
#: Each phase as (start stamp, end stamp) on Generation.
PHASES = {
    "queue": ("queued_at", "submitting_at"),
    "provider": ("submitted_at", "downloading_at"),
    "download": ("downloading_at", "transcoding_at"),
    "transcode": ("transcoding_at", "scoring_at"),
    "scoring": ("scoring_at", "completed_at"),
    "total": ("queued_at", "completed_at"),
}
FAILURE_WINDOW = timedelta(hours=24)


def queue_depths() -> dict[str, int] | None:
    """Return messages waiting per queue (Redis LLEN), {} without a Redis broker, None if down."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    client = redis.Redis.from_url(
        url, socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=BROKER_TIMEOUT
    )
    try:
        pipe = client.pipeline(transaction=False)
        for queue in QUEUES:
            pipe.llen(queue)
            for step in PRIORITY_STEPS:
                pipe.llen(f"{queue}{PRIORITY_SEPARATOR}{step}")
        counts = pipe.execute()
    except redis.RedisError:
        return None
    finally:
        client.close()
    per_queue = 1 + len(PRIORITY_STEPS)
    return {q: sum(counts[i * per_queue : (i + 1) * per_queue]) for i, q in enumerate(QUEUES)}


def phase_histograms() -> dict[str, dict[str, dict]]:
    """Return {phase: {model slug: {"buckets": [cumulative counts], "count", "sum"}}}."""
    result = {}
    for phase, (start, end) in PHASES.items():
        span = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
        aggregates = {
            f"le{i}": Count("pk", filter=Q(span__lte=timedelta(seconds=bound)))
            for i, bound in enumerate(BUCKETS)
        }
        rows = (
            Generation.objects.filter(**{f"{start}__isnull": False, f"{end}__gte": F(start)})
            .alias(span=span)
            .values("video_model__slug")
            .annotate(count=Count("pk"), total=Sum("span"), **aggregates)
            .order_by()
        )
        result[phase] = {
            row["video_model__slug"]: {
                "buckets": [row[f"le{i}"] for i in range(len(BUCKETS))],
                "count": row["count"],
                "sum": row["total"].total_seconds() if row["total"] else 0.0,
            }
            for row in rows
        }
    return result


def failure_ratios(now=None) -> tuple[int, dict[str, int]]:
    """Return generations finished in the last 24 h and, per error kind, how many failed."""
    since = (now or timezone.now()) - FAILURE_WINDOW
    finished = Generation.objects.filter(
        Q(completed_at__gte=since, state=Generation.State.COMPLETE)
        | Q(failed_at__gte=since, state=Generation.State.FAILED)
    )
    failed = dict(
        finished.filter(state=Generation.State.FAILED)
        .values_list("error_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return finished.count(), failed


def generations_by_state() -> dict[str, int]:
    """Return how many generations are in each state that has any."""
    return dict(Generation.objects.values_list("state").annotate(n=Count("pk")).order_by())


def failed_by_model_and_kind():
    """Return (model slug, error kind, count) rows for the failed generations."""
    return (
        Generation.objects.filter(state=Generation.State.FAILED)
        .values_list("video_model__slug", "error_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )


class LockstepCollector:
    """Build every metric from the database when Prometheus scrapes."""

    def collect(self):
        """Yield every metric family, in the order /metrics lists them."""
        yield from _broker_metrics()
        yield from _state_metrics()
        for phase, models in phase_histograms().items():
            yield _phase_histogram(phase, models)
        yield from _failure_metrics()
        yield from _failure_ratio_metrics()
        yield from _spend_metrics()
        yield from _callback_metrics()


def _broker_metrics():
    """Yield whether the broker answered, and the messages waiting in each queue."""
    depths = queue_depths()
    up = GaugeMetricFamily("lockstep_broker_up", "1 if the broker answered the queue query.")
    up.add_metric([], 0 if depths is None else 1)
    yield up
    depth = GaugeMetricFamily(
        "lockstep_queue_depth", "Celery messages waiting in each queue.", labels=["queue"]
    )
    for queue, count in (depths or {}).items():
        depth.add_metric([queue], count)
    yield depth


def _state_metrics():
    """Yield the generations in each state, 0 for a state that has none."""
    by_state = generations_by_state()
    states = GaugeMetricFamily(
        "lockstep_generations", "Generations in each state.", labels=["state"]
    )
    for state in Generation.State.values:
        states.add_metric([state], by_state.get(state, 0))
    yield states


def _phase_histogram(phase: str, models: dict[str, dict]) -> HistogramMetricFamily:
    """Return the histogram of one phase from phase_histograms()'s numbers for it."""
    histogram = HistogramMetricFamily(
        f"lockstep_generation_{phase}_seconds",
        f"Seconds each generation spent in the {phase} phase, per model.",
        labels=["model"],
    )
    for model, data in sorted(models.items()):
        counts = zip(BUCKETS, data["buckets"], strict=True)
        buckets = [(str(float(bound)), n) for bound, n in counts]
        buckets.append(("+Inf", data["count"]))
        histogram.add_metric([model], buckets, data["sum"])
    return histogram


def _failure_metrics():
    """Yield the failed generations by model and error kind."""
    failed = GaugeMetricFamily(
        "lockstep_generations_failed",
        "Failed generations, by model and error kind.",
        labels=["model", "error_kind"],
    )
    for model, kind, count in failed_by_model_and_kind():
        failed.add_metric([model, kind or "unknown"], count)
    yield failed


def _failure_ratio_metrics():
    """Yield the share of the last 24 h's finished generations that failed, and their number."""
    finished, failed_by_kind = failure_ratios()
    ratio = GaugeMetricFamily(
        "lockstep_failure_ratio_24h",
        "Share of the generations finished in the last 24 h that failed, by error kind.",
        labels=["error_kind"],
    )
    for kind in Generation.ErrorKind.values:
        ratio.add_metric([kind], failed_by_kind.get(kind, 0) / finished if finished else 0.0)
    yield ratio
    finished_gauge = GaugeMetricFamily(
        "lockstep_generations_finished_24h", "Generations that ended in the last 24 h."
    )
    finished_gauge.add_metric([], finished)
    yield finished_gauge


def _spend_metrics():
    """Yield this calendar month's spend and the monthly budget."""
    spend = GaugeMetricFamily(
        "lockstep_spend_month_usd", "Spent or committed this calendar month, US dollars."
    )
    spend.add_metric([], float(costs.spend_this_month()))
    yield spend
    budget = GaugeMetricFamily("lockstep_budget_month_usd", "The monthly budget, US dollars.")
    budget.add_metric([], float(costs.monthly_budget()))
    yield budget


def _callback_metrics():
    """Yield callback delivery attempts by status, 0 for a status that has none."""
    callbacks = GaugeMetricFamily(
        "lockstep_callback_attempts",
        "Callback delivery attempts, by status.",
        labels=["status"],
    )
    by_status = dict(CallbackDelivery.objects.counts_by_status())
    for status in CallbackDelivery.Status.values:
        callbacks.add_metric([status], by_status.get(status, 0))
    yield callbacks


def metrics_allowed(request) -> bool:
    """Return whether the request bears METRICS_TOKEN or comes from METRICS_ALLOWED_NETWORKS."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        given = given.strip().encode("utf-8", "replace")
        if scheme.lower() == "bearer" and hmac.compare_digest(given, token.encode()):
            return True
    try:
        networks = [
            ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS
        ]
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc
    try:
        remote = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(remote in network for network in networks)


def metrics_view(request):
    if not metrics_allowed(request):
        return HttpResponse(
            "Forbidden: send the METRICS_TOKEN as a bearer token, or scrape from an address in "
            "METRICS_ALLOWED_NETWORKS.\n",
            status=403,
            content_type="text/plain",
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LockstepCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
