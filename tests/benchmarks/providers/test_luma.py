"""Luma's protocol details: string durations, keyframes, unsigned callbacks."""

from __future__ import annotations

import json

import pytest

from benchmarks.providers.base import WebhookRejected


@pytest.fixture
def luma(provider_fake):
    return provider_fake("luma", "luma-ray-2")


def test_keyframes_callback_and_string_duration_are_sent(luma):
    request = luma.request(
        duration=9,
        image_url="https://img.example/first.png",
        end_image_url="https://img.example/last.png",
        callback_url="https://lockstep.example/webhooks/luma-ray-2/",
    )
    luma.plugin.submit(request)
    body = luma.fake.requests[-1].json()
    assert body["duration"] == "9s"
    assert body["keyframes"] == {
        "frame0": {"type": "image", "url": "https://img.example/first.png"},
        "frame1": {"type": "image", "url": "https://img.example/last.png"},
    }
    assert body["callback_url"] == request.callback_url
    assert "seed" not in body


def test_a_callback_is_only_a_hint_to_poll(luma):
    event = luma.plugin.parse_webhook({}, json.dumps({"id": "g-1", "state": "completed"}).encode())
    assert event.job_id == "g-1"
    assert event.trusted is False
    with pytest.raises(WebhookRejected):
        luma.plugin.parse_webhook({}, b"not json")
