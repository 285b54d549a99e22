"""OpenAI Sora's protocol details: retired, multipart submits, signed webhooks, poll hints."""

from __future__ import annotations

import pytest

from benchmarks.providers.base import GenerationRequest, PermanentProviderError, WebhookRejected
from tests.benchmarks.providers.conftest import PNG_DATA_URI
from tests.fakes.webhooks import TEST_SECRET, standard_webhook


@pytest.fixture
def sora(provider_fake):
    return provider_fake("openai", "openai-sora-2")


def test_sora_is_refused_for_new_runs_because_the_api_shut_down(sora):
    with pytest.raises(PermanentProviderError, match="retired on 2026-09-24"):
        sora.plugin.validate(GenerationRequest(prompt="x", duration=4))


def test_the_request_is_multipart_and_an_inline_image_is_uploaded(sora):
    sora.plugin.submit(sora.request(duration=8, aspect_ratio="9:16", image_url=PNG_DATA_URI))
    form = sora.fake.requests[-1].form()
    assert form["seconds"] == "8"
    assert form["size"] == "720x1280"
    assert form["model"] == "sora-2"
    assert form["input_reference"].startswith(b"\x89PNG")


def test_poll_passes_on_the_providers_poll_hint(sora):
    job_id = sora.plugin.submit(sora.request()).job_id
    assert sora.plugin.poll(job_id).poll_after == 2.0


def test_a_signed_video_webhook_names_the_video(sora, settings):
    settings.OPENAI_WEBHOOK_SECRET = TEST_SECRET
    payload = {"id": "evt_1", "type": "video.completed", "data": {"id": "video_123"}}
    headers, body = standard_webhook(payload)
    event = sora.plugin.parse_webhook(headers, body)
    assert (event.job_id, event.trusted) == ("video_123", True)
    assert event.delivery_id == headers["webhook-id"]
    headers, body = standard_webhook(payload, secret="whsec_d3Jvbmc=")
    with pytest.raises(WebhookRejected):
        sora.plugin.parse_webhook(headers, body)
