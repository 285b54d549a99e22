"""MiniMax's protocol details: errors inside 200 answers, file retrieval, the callback handshake."""

from __future__ import annotations

import json

import pytest

from benchmarks.providers.base import (
    GenerationRequest,
    PermanentProviderError,
    TransientProviderError,
)
from benchmarks.providers.registry import get_plugin


@pytest.fixture
def minimax(provider_fake):
    return provider_fake("minimax", "minimax-hailuo-02")


def test_an_error_in_a_200_answer_is_mapped_by_its_business_code(minimax):
    minimax.fake.inject("no_credit")
    with pytest.raises(PermanentProviderError, match="insufficient balance"):
        minimax.plugin.submit(minimax.request())
    minimax.fake.inject("rate_limited")
    with pytest.raises(TransientProviderError):
        minimax.plugin.submit(minimax.request())
    assert minimax.fake.submissions == 0


def test_a_finished_task_is_turned_into_a_download_url_by_a_second_call(minimax):
    job_id = minimax.plugin.submit(minimax.request(resolution="1080p")).job_id
    done = minimax.poll_until_done(job_id)
    assert done.output_url.endswith(f"/files/{job_id}.mp4")
    assert minimax.fake.requests[-1].path == "/v1/files/retrieve"
    assert minimax.fake.requests[-1].query == {"file_id": f"file{job_id}"}


def test_the_callback_challenge_is_echoed_and_events_are_only_hints():
    plugin = get_plugin("minimax-hailuo-02")
    assert plugin.webhook_challenge(b'{"challenge": "abc123"}') == {"challenge": "abc123"}
    event_body = json.dumps({"task_id": "42", "status": "Success"}).encode()
    assert plugin.webhook_challenge(event_body) is None
    event = plugin.parse_webhook({}, event_body)
    assert (event.job_id, event.trusted) == ("42", False)


def test_1080p_is_refused_for_ten_second_clips():
    with pytest.raises(PermanentProviderError, match="6 s only"):
        get_plugin("minimax-hailuo-02").validate(
            GenerationRequest(prompt="x", duration=10, resolution="1080p")
        )
