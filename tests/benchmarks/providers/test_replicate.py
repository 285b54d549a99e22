"""Replicate's protocol details: model predictions, completed-only webhooks with the prediction."""

from __future__ import annotations

import pytest

from benchmarks.providers.base import JobStatus, WebhookRejected
from benchmarks.providers.replicate.plugin import prediction_status
from tests.fakes.webhooks import TEST_SECRET, standard_webhook


@pytest.fixture
def wan(provider_fake):
    return provider_fake("replicate", "wan-2-5-t2v")


def test_a_prediction_asks_for_the_completed_webhook_only(wan):
    submitted = wan.plugin.submit(wan.request(seed=3, callback_url="https://l.example/wh/wan/"))
    sent = wan.fake.requests[-1]
    assert sent.path == "/v1/models/wan-video/wan-2.5-t2v/predictions"
    assert sent.json()["webhook_events_filter"] == ["completed"]
    assert sent.json()["input"]["seed"] == 3
    assert submitted.model_version == "fakeversion0001"


def test_ltx_asks_for_audio(provider_fake):
    ltx = provider_fake("replicate", "ltx-2-fast")
    ltx.plugin.submit(ltx.request(audio=True))
    assert ltx.fake.requests[-1].json()["input"]["generate_audio"] is True


def test_an_output_list_yields_its_first_file():
    poll = prediction_status({"id": "p", "status": "succeeded", "output": ["https://r/a.mp4"]})
    assert poll.output_url == "https://r/a.mp4"


def test_a_signed_webhook_carries_the_prediction(wan, settings):
    settings.REPLICATE_WEBHOOK_SECRET = TEST_SECRET
    prediction = {"id": "p1", "status": "failed", "error": "NSFW content detected"}
    signed_headers, signed_body = standard_webhook(prediction)
    event = wan.plugin.parse_webhook(signed_headers, signed_body)
    assert (event.job_id, event.trusted) == ("p1", True)
    assert event.delivery_id == signed_headers["webhook-id"]
    assert event.poll.status == JobStatus.FAILED
    assert event.poll.error == "NSFW content detected"
    headers, body = standard_webhook(prediction)
    with pytest.raises(WebhookRejected):
        wan.plugin.parse_webhook(headers, body.replace(b"failed", b"succeeded"))
