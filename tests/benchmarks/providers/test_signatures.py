"""Webhook signature checks: Standard Webhooks HMAC and fal's Ed25519 with a JWKS."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchmarks.providers import signatures
from benchmarks.providers.base import WebhookRejected
from benchmarks.providers.signatures import verify_fal_webhook, verify_standard_webhook
from tests.fakes.webhooks import TEST_SECRET, standard_webhook


@pytest.fixture(autouse=True)
def fresh_jwks_cache():
    signatures.clear_jwks_cache()
    yield
    signatures.clear_jwks_cache()


def test_a_standard_webhook_with_a_valid_signature_returns_its_id():
    headers, body = standard_webhook({"id": "p1"}, msg_id="msg_1")
    assert verify_standard_webhook(TEST_SECRET, headers, body) == "msg_1"


def test_a_standard_webhook_accepts_any_of_several_signatures():
    headers, body = standard_webhook({"id": "p1"})
    headers["webhook-signature"] = "v1,bm90LWl0 " + headers["webhook-signature"]
    assert verify_standard_webhook(TEST_SECRET, headers, body)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b + b" "),
        lambda h, b: ({**h, "webhook-id": "msg_other"}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
        lambda h, b: ({**h, "webhook-signature": "v2," + h["webhook-signature"][3:]}, b),
    ],
    ids=["body changed", "id changed", "no signature", "unknown version"],
)
def test_a_tampered_standard_webhook_is_rejected(tamper):
    headers, body = tamper(*standard_webhook({"id": "p1"}))
    with pytest.raises(WebhookRejected):
        verify_standard_webhook(TEST_SECRET, headers, body)


def test_a_standard_webhook_signed_with_another_secret_is_rejected():
    headers, body = standard_webhook({"id": "p1"}, secret="whsec_b3RoZXItc2VjcmV0")
    with pytest.raises(WebhookRejected, match="does not match"):
        verify_standard_webhook(TEST_SECRET, headers, body)


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_standard_webhook_outside_the_tolerance_is_rejected_as_a_replay(skew):
    headers, body = standard_webhook({"id": "p1"}, timestamp=int(time.time()) + skew)
    with pytest.raises(WebhookRejected, match="replay"):
        verify_standard_webhook(TEST_SECRET, headers, body)


def test_without_a_configured_secret_every_standard_webhook_is_rejected():
    headers, body = standard_webhook({"id": "p1"})
    with pytest.raises(WebhookRejected, match="secret"):
        verify_standard_webhook("", headers, body)


def jwks_url(fake):
    return f"{fake.origin}/.well-known/jwks.json"


def submitted_fal_job(provider_fake):
    harness = provider_fake("fal", "pika-2-2")
    return harness, harness.plugin.submit(harness.request()).job_id


def test_a_fal_webhook_signed_with_the_published_key_verifies(provider_fake):
    harness, job_id = submitted_fal_job(provider_fake)
    headers, body = harness.fake.webhook(job_id)
    assert verify_fal_webhook(jwks_url(harness.fake), headers, body) == job_id


def test_fal_keys_are_fetched_once_and_cached(provider_fake):
    harness, job_id = submitted_fal_job(provider_fake)
    for _ in range(3):
        verify_fal_webhook(jwks_url(harness.fake), *harness.fake.webhook(job_id))
    assert harness.fake.counts["jwks"] == 1


def test_a_fal_webhook_signed_by_another_key_is_rejected(provider_fake):
    harness, job_id = submitted_fal_job(provider_fake)
    verify_fal_webhook(jwks_url(harness.fake), *harness.fake.webhook(job_id))
    harness.fake.signing_key = Ed25519PrivateKey.generate()  # not published
    with pytest.raises(WebhookRejected, match="does not match"):
        verify_fal_webhook(jwks_url(harness.fake), *harness.fake.webhook(job_id))


def test_a_fal_webhook_with_a_changed_body_is_rejected(provider_fake):
    harness, job_id = submitted_fal_job(provider_fake)
    headers, body = harness.fake.webhook(job_id)
    with pytest.raises(WebhookRejected):
        verify_fal_webhook(jwks_url(harness.fake), headers, body.replace(b"OK", b"ER"))


def test_an_old_fal_webhook_is_rejected_as_a_replay(provider_fake):
    harness, job_id = submitted_fal_job(provider_fake)
    headers, body = harness.fake.webhook(job_id, timestamp=int(time.time()) - 600)
    with pytest.raises(WebhookRejected, match="replay"):
        verify_fal_webhook(jwks_url(harness.fake), headers, body)
