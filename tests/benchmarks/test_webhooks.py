"""Incoming provider webhooks: verified before anything is read, and only ever a hint to poll."""

import json

import pytest

from benchmarks.models import Generation, WebhookDelivery
from tests.factories import GenerationFactory, VideoModelFactory
from tests.fakes.webhooks import TEST_SECRET, standard_webhook
from tests.queued import steps_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll():
    with steps_queued("generation_poll") as queued:
        yield queued


@pytest.fixture
def replicate_generation(settings):
    settings.REPLICATE_WEBHOOK_SECRET = TEST_SECRET
    model = VideoModelFactory(slug="wan-2-5-t2v", synthetic=False)
    return GenerationFactory(
        video_model=model, state=Generation.State.GENERATING, provider_job_id="pred-123"
    )


def _post(client, plugin_key, headers, body):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(
        f"/webhooks/{plugin_key}/", data=body, content_type="application/json", **extra
    )


def test_a_signed_webhook_is_recorded_once_and_polls_at_once(client, poll, replicate_generation):
    headers, body = standard_webhook({"id": "pred-123", "status": "processing"})

    response = _post(client, "wan-2-5-t2v", headers, body)

    assert response.status_code == 204
    poll.assert_called_once_with(replicate_generation.pk)
    assert WebhookDelivery.objects.filter(delivery_id=headers["webhook-id"]).exists()


def test_what_a_signed_webhook_reports_is_kept_as_evidence(client, poll, replicate_generation):
    headers, body = standard_webhook({"id": "pred-123", "status": "failed", "error": "NSFW"})

    _post(client, "wan-2-5-t2v", headers, body)

    event = replicate_generation.events.get(actor="webhook:wan-2-5-t2v")
    assert event.reason == "Signed webhook: the provider reports failed"
    assert (event.details["status"], event.details["error"]) == ("failed", "NSFW")
    replicate_generation.refresh_from_db()
    assert replicate_generation.state == Generation.State.GENERATING  # the poll decides


def test_a_replayed_delivery_is_refused_and_records_nothing(client, poll, replicate_generation):
    headers, body = standard_webhook({"id": "pred-123", "status": "processing"})
    _post(client, "wan-2-5-t2v", headers, body)
    poll.reset_mock()

    response = _post(client, "wan-2-5-t2v", headers, body)

    assert response.status_code == 409
    poll.assert_not_called()
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("tamper", ["signature", "body", "missing", "stale"])
def test_a_bad_signature_gets_4xx_and_changes_nothing(client, poll, replicate_generation, tamper):
    timestamp = 1_000_000 if tamper == "stale" else None
    headers, body = standard_webhook({"id": "pred-123", "status": "succeeded"}, timestamp=timestamp)
    if tamper == "signature":
        headers["webhook-signature"] = "v1,AAAA" + headers["webhook-signature"][7:]
    elif tamper == "body":
        body = body.replace(b"succeeded", b"failed")
    elif tamper == "missing":
        del headers["webhook-signature"]

    response = _post(client, "wan-2-5-t2v", headers, body)

    assert 400 <= response.status_code < 500
    poll.assert_not_called()
    assert not WebhookDelivery.objects.exists()
    replicate_generation.refresh_from_db()
    assert replicate_generation.state == Generation.State.GENERATING


def test_an_unsigned_callback_only_triggers_a_poll(client, poll):
    generation = GenerationFactory(
        video_model=VideoModelFactory(slug="luma-ray-2", synthetic=False),
        state=Generation.State.GENERATING,
        provider_job_id="0b1c-luma",
    )
    body = json.dumps({"id": "0b1c-luma", "state": "completed"}).encode()

    response = _post(client, "luma-ray-2", {}, body)

    assert response.status_code == 204
    poll.assert_called_once_with(generation.pk)
    generation.refresh_from_db()
    assert generation.state == Generation.State.GENERATING  # the poll decides, not the callback


def test_an_unsigned_callback_never_records_a_delivery_whatever_its_headers(client, poll):
    GenerationFactory(
        video_model=VideoModelFactory(slug="luma-ray-2", synthetic=False),
        state=Generation.State.GENERATING,
        provider_job_id="0b1c-luma",
    )
    body = json.dumps({"id": "0b1c-luma", "state": "completed"}).encode()

    for _ in range(2):  # the same unsigned "delivery" twice: not a replay, nothing to trust
        assert _post(client, "luma-ray-2", {"webhook-id": "msg_1"}, body).status_code == 204

    assert poll.call_count == 2
    assert not WebhookDelivery.objects.exists()


def test_the_minimax_handshake_is_answered(client, poll):
    response = _post(client, "minimax-hailuo-02", {}, json.dumps({"challenge": "abc"}).encode())

    assert response.status_code == 200
    assert response.json() == {"challenge": "abc"}
    poll.assert_not_called()


def test_unknown_plugins_and_unknown_jobs_are_refused(client, poll, replicate_generation):
    assert _post(client, "nope", {}, b"{}").status_code == 404
    headers, body = standard_webhook({"id": "pred-unknown", "status": "processing"})
    assert _post(client, "wan-2-5-t2v", headers, body).status_code == 400
    poll.assert_not_called()


def test_only_post_is_accepted(client):
    assert client.get("/webhooks/luma-ray-2/").status_code == 405
