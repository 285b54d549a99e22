"""The shared HTTP client: Retry-After parsing, unknown outcomes, stored request evidence."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from benchmarks.providers.base import TransientProviderError
from benchmarks.providers.client import evidence, retry_after
from benchmarks.providers.registry import get_plugin


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({}, None),
        ({"retry-after": "soon"}, None),
    ],
)
def test_retry_after_reads_seconds_and_milliseconds(headers, expected):
    assert retry_after(httpx.Headers(headers)) == expected


def test_retry_after_reads_an_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after(httpx.Headers({"retry-after": when})) <= 30


def test_an_unreachable_provider_is_transient_and_safe_to_resubmit(settings):
    settings.RUNWAY_API_KEY = "k"
    settings.RUNWAY_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    plugin = get_plugin("runway-gen4-5")
    with pytest.raises(TransientProviderError) as caught:
        plugin.poll("task")
    assert caught.value.code != "timeout"


def test_evidence_keeps_the_request_but_not_the_inlined_image():
    image = "data:image/png;base64," + "A" * 10_000
    kept = evidence({"prompt": "a cat", "images": [{"uri": image}]})
    assert kept["prompt"] == "a cat"
    assert kept["images"][0]["uri"].startswith("data:image/png;base64,<10022 characters, sha256 ")
