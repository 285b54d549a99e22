"""Outgoing callbacks: Standard Webhooks signatures, retries with backoff, attempts, SSRF."""

import json
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from api import callbacks, tasks
from api.callbacks import CallbackRetry, CallbackUrlRefused, callback_deliver, check_callback_url
from api.models import ApiToken, CallbackDelivery, RunCallback
from benchmarks.models import BenchmarkRun, Generation
from benchmarks.providers.signatures import verify_standard_webhook
from benchmarks.services.runs import run_refresh
from tests.factories import GenerationFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = CallbackDelivery.Status


@pytest.fixture
def signed_run():
    token, _ = ApiToken.issue(user=UserFactory(), name="cb")
    generation = GenerationFactory(run__requested_by=token.user)
    return token, generation


def _callback(run, url, token):
    return RunCallback.objects.create(run=run, url=url, signing_secret=token.signing_secret)


def _message(callback, generation):
    return callbacks.callback_enqueue(
        callback=callback, event="generation.finished", data={"id": generation.pk}
    )


def test_a_finished_generation_posts_a_signed_callback(receiver_factory, signed_run):
    receiver = receiver_factory(204)
    token, generation = signed_run
    message = _message(_callback(generation.run, receiver.url, token), generation)

    attempt = callback_deliver(message_id=message.message_id)

    assert attempt.status == Status.DELIVERED
    assert attempt.response_status == 204
    headers, body = receiver.requests[0]
    assert verify_standard_webhook(token.signing_secret, headers, body) == message.message_id
    payload = json.loads(body)
    assert payload["type"] == "generation.finished"
    assert payload["data"] == {"id": generation.pk}


def test_a_failing_receiver_is_retried_and_every_attempt_is_recorded(receiver_factory, signed_run):
    receiver = receiver_factory(500, 503, 200)
    token, generation = signed_run
    message = _message(_callback(generation.run, receiver.url, token), generation)

    for _ in range(2):
        with pytest.raises(CallbackRetry, match="answered 50"):
            callback_deliver(message_id=message.message_id)
    callback_deliver(message_id=message.message_id)

    attempts = list(CallbackDelivery.objects.of_message(message.message_id))
    assert [(a.attempt, a.status, a.response_status) for a in attempts] == [
        (1, Status.FAILED, 500), (2, Status.FAILED, 503), (3, Status.DELIVERED, 200),
    ]  # fmt: skip
    ids = {headers["webhook-id"] for headers, _ in receiver.requests}
    assert ids == {message.message_id}, "retries keep the webhook-id so receivers can dedupe"
    assert callback_deliver(message_id=message.message_id) is None, "delivered: nothing more"


def test_an_unreachable_receiver_records_the_network_error(settings, signed_run):
    settings.CALLBACK_ALLOW_PRIVATE = True
    token, generation = signed_run
    message = _message(_callback(generation.run, "http://127.0.0.1:9/hook", token), generation)

    with pytest.raises(CallbackRetry):
        callback_deliver(message_id=message.message_id)

    attempt = CallbackDelivery.objects.get()
    assert attempt.status == Status.FAILED
    assert "ConnectError" in attempt.error


def test_retries_stop_a_day_after_the_first_attempt(receiver_factory, signed_run):
    receiver = receiver_factory(500)
    token, generation = signed_run
    message = _message(_callback(generation.run, receiver.url, token), generation)
    CallbackDelivery.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )

    attempt = callback_deliver(message_id=message.message_id)

    assert attempt.status == Status.GAVE_UP


def test_the_task_retries_until_its_limit_then_gives_up(receiver_factory, signed_run, monkeypatch):
    receiver = receiver_factory(502)
    token, generation = signed_run
    message = _message(_callback(generation.run, receiver.url, token), generation)
    monkeypatch.setattr(tasks.callback_deliver, "max_retries", 4)  # 40 in production

    # Eager: Celery re-runs the task at once instead of after the backoff countdown.
    tasks.callback_deliver.apply(args=(message.message_id,))

    attempts = CallbackDelivery.objects.of_message(message.message_id)
    assert attempts.count() == 5
    assert attempts.last().status == Status.GAVE_UP
    assert tasks.callback_deliver.retry_backoff == tasks.BACKOFF_FIRST
    assert tasks.callback_deliver.retry_jitter is True


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://2130706433/",
    ],
)
def test_loopback_private_and_reserved_addresses_are_refused(url):
    with pytest.raises(CallbackUrlRefused):
        check_callback_url(url)


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/", "file:///etc/passwd", "http://user:pw@93.184.216.34/", "http://"],
)
def test_other_schemes_credentials_and_hostless_urls_are_refused(url):
    with pytest.raises(CallbackUrlRefused):
        check_callback_url(url)


def test_a_public_address_is_allowed():
    assert check_callback_url("https://93.184.216.34/hook") == ["93.184.216.34"]


def test_a_url_that_turned_private_is_refused_at_delivery_and_never_retried(signed_run, settings):
    token, generation = signed_run
    message = _message(_callback(generation.run, "http://127.0.0.1:9/hook", token), generation)
    settings.CALLBACK_ALLOW_PRIVATE = False

    attempt = callback_deliver(message_id=message.message_id)

    assert attempt.status == Status.REFUSED
    assert "loopback" in attempt.error
    assert callback_deliver(message_id=message.message_id) is None


def test_generation_and_run_endings_queue_one_message_each(
    signed_run, monkeypatch, django_capture_on_commit_callbacks
):
    token, generation = signed_run
    _callback(generation.run, "https://93.184.216.34/hook", token)
    queued = []
    monkeypatch.setattr(tasks.callback_deliver, "delay", queued.append)
    Generation.objects.filter(pk=generation.pk).update(state=Generation.State.SCORING)
    generation.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        generation.transition(Generation.State.COMPLETE)
    with django_capture_on_commit_callbacks(execute=True):
        run_refresh(generation.run_id)

    messages = CallbackDelivery.objects.order_by("pk")
    assert [m.event for m in messages] == ["generation.finished", "run.finished"]
    assert queued == [m.message_id for m in messages]
    assert messages[0].payload["data"]["state"] == "complete"
    assert messages[1].payload["data"]["state"] == BenchmarkRun.State.COMPLETE


def test_runs_without_a_callback_send_nothing(django_capture_on_commit_callbacks):
    generation = GenerationFactory(state=Generation.State.SCORING)

    with django_capture_on_commit_callbacks(execute=True):
        generation.transition(Generation.State.COMPLETE)

    assert not CallbackDelivery.objects.exists()


def test_a_host_that_does_not_resolve_at_delivery_is_retried_not_refused(signed_run, monkeypatch):
    token, generation = signed_run
    message = _message(_callback(generation.run, "https://hooks.example.com/x", token), generation)

    def no_dns(*args, **kwargs):
        raise socket.gaierror("Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)

    with pytest.raises(CallbackRetry, match="does not resolve"):
        callback_deliver(message_id=message.message_id)

    assert CallbackDelivery.objects.get().status == Status.FAILED


def test_an_attempt_left_by_a_lost_worker_is_counted_failed_and_retried(
    receiver_factory, signed_run
):
    receiver = receiver_factory(200)
    token, generation = signed_run
    message = _message(_callback(generation.run, receiver.url, token), generation)
    CallbackDelivery.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempted_at=timezone.now() - timedelta(minutes=10)
    )

    attempt = callback_deliver(message_id=message.message_id)

    assert attempt.attempt == 2
    assert attempt.status == Status.DELIVERED
    assert CallbackDelivery.objects.get(pk=message.pk).status == Status.FAILED


def test_an_attempt_being_sent_is_not_sent_twice(signed_run):
    token, generation = signed_run
    message = _message(_callback(generation.run, "https://93.184.216.34/hook", token), generation)
    CallbackDelivery.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempted_at=timezone.now()
    )

    assert callback_deliver(message_id=message.message_id) is None
    assert CallbackDelivery.objects.count() == 1
