"""/metrics, the operations page, and the JSON log lines."""

import json
import logging
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.models import Generation
from config.logging import JsonFormatter
from ops import metrics
from tests.factories import GenerationFactory, UserFactory, VideoModelFactory

pytestmark = pytest.mark.django_db
State = Generation.State
SPARE_REDIS_DB = 13


def _complete(model, *, overhead: float, provider: float = 60.0, now=None):
    """A complete generation: `overhead` seconds of our pipeline, split over its four phases."""
    now = now or timezone.now() - timedelta(hours=1)
    part = timedelta(seconds=overhead / 4)
    submitted = now + part
    downloading = submitted + timedelta(seconds=provider)
    return GenerationFactory(
        video_model=model, state=State.COMPLETE, estimated_cost=Decimal("0.50"),
        queued_at=now, submitting_at=now + part, submitted_at=submitted,
        downloading_at=downloading, transcoding_at=downloading + part,
        scoring_at=downloading + 2 * part, completed_at=downloading + 3 * part,
    )  # fmt: skip


def _failed(model, kind="permanent"):
    return GenerationFactory(
        video_model=model, state=State.FAILED, error_kind=kind, failed_at=timezone.now()
    )


def _scrape(client, **headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    families = text_string_to_metric_families(response.content.decode())
    return {sample.name + json.dumps(sample.labels, sort_keys=True): sample.value
            for family in families for sample in family.samples}  # fmt: skip


def test_metrics_need_the_token_or_an_allowed_network(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.services
def test_metrics_report_states_latency_failures_spend_and_queues(client, settings):
    settings.METRICS_TOKEN = "t"
    settings.MONTHLY_BUDGET_USD = "100"
    smooth = VideoModelFactory(slug="local-smooth", synthetic=False)  # demo spend never counts
    _complete(smooth, overhead=8, provider=40)
    _complete(smooth, overhead=20, provider=200)
    _failed(smooth, "timeout")
    GenerationFactory(run__idempotency_key="q", video_model=smooth, state=State.GENERATING)
    settings.CELERY_BROKER_URL = _spare_redis_db(settings.CELERY_BROKER_URL)

    samples = _scrape(client, Authorization="Bearer t")

    assert samples['lockstep_generations{"state": "complete"}'] == 2
    assert samples['lockstep_generations{"state": "generating"}'] == 1
    bucket = 'lockstep_generation_provider_seconds_bucket{"le": "%s", "model": "local-smooth"}'
    assert samples[bucket % "60.0"] == 1
    assert samples[bucket % "300.0"] == 2
    assert samples['lockstep_generation_provider_seconds_count{"model": "local-smooth"}'] == 2
    assert samples['lockstep_generation_provider_seconds_sum{"model": "local-smooth"}'] == 240
    assert samples['lockstep_generation_download_seconds_count{"model": "local-smooth"}'] == 2
    assert samples['lockstep_failure_ratio_24h{"error_kind": "timeout"}'] == pytest.approx(1 / 3)
    assert (
        samples['lockstep_generations_failed{"error_kind": "timeout", "model": "local-smooth"}']
        == 1
    )
    assert samples["lockstep_spend_month_usd{}"] == 1.0
    assert samples["lockstep_budget_month_usd{}"] == 100
    assert samples['lockstep_queue_depth{"queue": "io"}'] == 0
    assert samples["lockstep_broker_up{}"] == 1


def _spare_redis_db(url: str) -> str:
    """Return the broker URL on a database no worker uses, so its queues are ours to fill."""
    return url.rsplit("/", 1)[0] + f"/{SPARE_REDIS_DB}"


@pytest.mark.services
def test_queue_depth_counts_waiting_messages_in_redis(settings):
    import redis

    settings.CELERY_BROKER_URL = _spare_redis_db(settings.CELERY_BROKER_URL)
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("io", "media", "media\x06\x163")
    client.rpush("media", b"a", b"b")
    client.rpush("media\x06\x163", b"c")
    try:
        assert metrics.queue_depths() == {"io": 0, "media": 3}
    finally:
        client.delete("media", "media\x06\x163")


def test_an_unreachable_broker_reads_as_down_not_an_error(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    assert metrics.queue_depths() is None


def test_the_ops_page_is_for_staff_only(client):
    assert client.get("/ops/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/ops/").status_code == 302


def test_the_ops_page_highlights_the_seed_thresholds(client, settings):
    settings.OPS_P99_ALERT_SECONDS = 15
    slow, flaky, fine = (
        VideoModelFactory(slug=s) for s in ("local-smooth", "local-flicker", "local-frozen")
    )
    for _ in range(3):
        _complete(slow, overhead=30)
        _complete(fine, overhead=4)
        _failed(flaky)
    _complete(flaky, overhead=4)
    stuck = GenerationFactory(
        run__idempotency_key="stuck", video_model=fine, state=State.DOWNLOADING
    )
    Generation.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(days=1))
    client.force_login(UserFactory(is_staff=True))

    page = client.get("/ops/").content.decode()

    assert page.count('data-alert="latency"') == 1
    assert 'data-alert="latency">30.0 s' in page
    assert page.count('data-alert="failures"') == 1
    assert 'data-alert="failures">75 %' in page
    assert 'data-alert="stuck"' in page
    assert f"#{stuck.pk}" in page


@contextmanager
def _task_running(task, args=(), **headers):
    """Run the task hooks around the body, as a worker does for a message with `headers`."""
    from celery.signals import task_postrun, task_prerun

    task.push_request(args=args, headers=headers)
    task_prerun.send(sender=task, task_id="t", task=task, args=args)
    try:
        yield
    finally:
        task_postrun.send(sender=task)
        task.pop_request()


def test_json_logs_are_one_line_with_run_and_generation_ids():
    from benchmarks import tasks

    formatter = JsonFormatter()
    record = logging.LogRecord("lockstep", logging.INFO, __file__, 1, "Polled %s", ("job",), None)
    with _task_running(tasks.generation_poll, (42,), run_id=7, generation_id=42):
        line = formatter.format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Polled job"
    assert (entry["run_id"], entry["generation_id"]) == (7, 42)


def test_extra_ids_and_exceptions_are_kept():
    formatter = JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    record.run_id = 3

    entry = json.loads(formatter.format(record))

    assert entry["run_id"] == 3
    assert entry["generation_id"] is None
    assert "ValueError: boom" in entry["exception"]


def test_a_pipeline_task_logs_with_its_generation_and_run(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    from benchmarks import tasks

    generation = GenerationFactory()
    with (
        mock.patch.object(tasks.generation_poll, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.step_queue("poll", generation_id=generation.pk, run_id=generation.run_id)
    headers = send.call_args.kwargs["headers"]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "step", (), None)

    with (
        django_assert_num_queries(0),
        _task_running(tasks.generation_poll, (generation.pk,), **headers),
    ):
        entry = json.loads(JsonFormatter().format(record))

    assert entry["generation_id"] == generation.pk
    assert entry["run_id"] == generation.run_id
    assert entry["task"] == "benchmarks.tasks.generation_poll"


def test_a_suite_task_does_not_log_its_suite_id_as_a_generation_id(django_assert_num_queries):
    from benchmarks import tasks

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "suite", (), None)

    with django_assert_num_queries(0), _task_running(tasks.suite_run, (5,)):
        entry = json.loads(JsonFormatter().format(record))

    assert (entry["generation_id"], entry["run_id"]) == (None, None)
    assert entry["task"] == "benchmarks.tasks.suite_run"


def test_a_malformed_metrics_network_fails_the_system_check(settings):
    from api.checks import metrics_networks_check

    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "not-a-network"]

    errors = metrics_networks_check()

    assert [e.id for e in errors] == ["api.E001"]
    assert "not-a-network" in errors[0].msg
