"""fal's protocol details: Key auth, model vs app URLs, COMPLETED with error, signed webhooks."""

from __future__ import annotations

import pytest

from benchmarks.providers import signatures
from benchmarks.providers.base import JobStatus, PermanentProviderError, WebhookRejected
from tests.benchmarks.providers.conftest import PNG_DATA_URI


@pytest.fixture
def pika(provider_fake):
    signatures.clear_jwks_cache()
    return provider_fake("fal", "pika-2-2")


def test_image_to_video_uses_its_own_endpoint_and_status_lives_under_the_app(pika):
    job_id = pika.plugin.submit(
        pika.request(image_url=PNG_DATA_URI, callback_url="https://l.example/wh/pika-2-2/")
    ).job_id
    sent = pika.fake.requests[-1]
    assert sent.path == "/fal-ai/pika/v2.2/image-to-video"
    assert sent.headers["authorization"] == f"Key {pika.fake.key}"
    assert sent.query["fal_webhook"] == "https://l.example/wh/pika-2-2/"
    pika.plugin.poll(job_id)
    assert pika.fake.requests[-1].path == f"/fal-ai/pika/requests/{job_id}/status"


def test_a_completed_status_carrying_an_error_is_a_failure(pika):
    pika.fake.inject("job_failed", on="job")
    done = pika.poll_until_done(pika.plugin.submit(pika.request()).job_id)
    assert done.status == JobStatus.FAILED
    assert "content_policy_violation" in done.error


def test_a_validation_error_lists_the_fields_in_words(pika):
    with pytest.raises(PermanentProviderError, match="body.prompt: field required"):
        pika.plugin.submit(pika.request(prompt=""))


def test_a_verified_webhook_carries_the_result(pika):
    job_id = pika.plugin.submit(pika.request()).job_id
    event = pika.plugin.parse_webhook(*pika.fake.webhook(job_id))
    assert (event.job_id, event.trusted) == (job_id, True)
    assert event.delivery_id == job_id  # fal's signed request id: a replay of it is refused
    assert event.poll.status == JobStatus.SUCCEEDED
    assert event.poll.output_url == pika.fake.file_url(pika.fake.jobs[job_id])
    failed = pika.plugin.parse_webhook(*pika.fake.webhook(job_id, ok=False))
    assert failed.poll.status == JobStatus.FAILED


def test_a_webhook_whose_body_names_another_request_is_rejected(pika):
    first = pika.plugin.submit(pika.request()).job_id
    second = pika.plugin.submit(pika.request()).job_id
    headers, _ = pika.fake.webhook(first)
    _, other_body = pika.fake.webhook(second)
    with pytest.raises(WebhookRejected):
        pika.plugin.parse_webhook(headers, other_body)


def test_canceling_a_request_that_already_started_is_not_an_error(pika):
    job_id = pika.plugin.submit(pika.request()).job_id
    pika.poll_until_done(job_id)
    pika.plugin.cancel(job_id)
    assert pika.fake.requests[-1].path.endswith(f"/requests/{job_id}/cancel")
