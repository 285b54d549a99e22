"""Veo (Gemini API) protocol details: operations, inline images, safety-filtered results."""

from __future__ import annotations

import base64

import pytest

from benchmarks.providers.base import JobStatus, WebhookRejected
from tests.benchmarks.providers.conftest import PNG_DATA_URI
from tests.fakes.webhooks import TEST_SECRET, standard_webhook


@pytest.fixture
def veo(provider_fake):
    return provider_fake("veo", "veo-3-1")


def test_images_go_inline_as_base64_bytes_with_their_type(veo):
    job_id = veo.plugin.submit(
        veo.request(image_url=PNG_DATA_URI, end_image_url=PNG_DATA_URI)
    ).job_id
    sent = veo.fake.requests[-1]
    assert sent.headers["x-goog-api-key"] == veo.fake.key
    instance = sent.json()["instances"][0]
    assert instance["image"]["mimeType"] == "image/png"
    assert base64.b64decode(instance["image"]["bytesBase64Encoded"]).startswith(b"\x89PNG")
    assert "lastFrame" in instance
    assert job_id.startswith("models/veo-3.1-generate-preview/operations/")


def test_a_filtered_result_fails_with_googles_reason(veo):
    veo.fake.inject("no_output", on="job")
    done = veo.poll_until_done(veo.plugin.submit(veo.request()).job_id)
    assert done.status == JobStatus.FAILED
    assert "Celebrity likeness" in done.error


def test_a_signed_webhook_names_the_operation(veo, settings):
    settings.GEMINI_WEBHOOK_SECRET = TEST_SECRET
    name = "models/veo-3.1-generate-preview/operations/abc"
    headers, body = standard_webhook({"type": "video.generated", "data": {"name": name}})
    event = veo.plugin.parse_webhook(headers, body)
    assert (event.job_id, event.trusted) == (name, True)
    assert event.delivery_id == headers["webhook-id"]
    with pytest.raises(WebhookRejected, match="operation"):
        veo.plugin.parse_webhook(*standard_webhook({"type": "video.generated", "data": {}}))
