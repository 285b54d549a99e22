"""Runway's own protocol details, beyond the shared contract."""

from __future__ import annotations

import pytest

from benchmarks.providers.base import GenerationRequest, JobStatus, PermanentProviderError
from benchmarks.providers.registry import get_plugin


@pytest.fixture
def runway(provider_fake):
    return provider_fake("runway", "runway-gen4-5")


def last_submit(fake):
    return next(r for r in reversed(fake.requests) if r.method == "POST")


def test_a_text_to_video_task_goes_out_in_camel_case_with_the_api_version(runway):
    runway.plugin.submit(runway.request(seed=42, duration=10))
    sent = last_submit(runway.fake)
    assert sent.path == "/v1/text_to_video"
    assert sent.headers["x-runway-version"] == "2024-11-06"
    assert sent.json() == {
        "model": "gen4.5",
        "promptText": runway.request().prompt,
        "ratio": "1280:720",
        "duration": 10,
        "seed": 42,
    }


def test_first_and_last_frames_go_out_as_positioned_prompt_images(provider_fake):
    veo = provider_fake("runway", "runway-veo3-1")
    request = veo.request(
        image_url="https://img.example/a.png",
        end_image_url="https://img.example/b.png",
        audio=True,
        negative_prompt="blur",
    )
    veo.plugin.validate(request)
    veo.plugin.submit(request)
    body = last_submit(veo.fake).json()
    assert last_submit(veo.fake).path == "/v1/image_to_video"
    assert body["promptImage"] == [
        {"uri": "https://img.example/a.png", "position": "first"},
        {"uri": "https://img.example/b.png", "position": "last"},
    ]
    assert body["audio"] is True
    assert body["negativePrompt"] == "blur"


def test_models_refuse_what_runway_does_not_offer_with_a_clear_message():
    with pytest.raises(PermanentProviderError, match="needs a reference image"):
        get_plugin("runway-gen4-turbo").validate(GenerationRequest(prompt="x"))
    with pytest.raises(PermanentProviderError, match="retired on 2026-07-30"):
        get_plugin("runway-gen3a-turbo").validate(
            GenerationRequest(prompt="x", image_url="https://a/b.png")
        )
    with pytest.raises(
        PermanentProviderError, match="Runway Gen-4.5 does not take the setting audio on"
    ):
        get_plugin("runway-gen4-5").validate(GenerationRequest(prompt="x", audio=True))
    with pytest.raises(PermanentProviderError, match="needs a first frame"):
        get_plugin("runway-veo3-1").validate(
            GenerationRequest(prompt="x", duration=8, end_image_url="https://a/b.png")
        )


def test_a_prompt_over_1000_utf16_units_is_refused_before_submitting():
    plugin = get_plugin("runway-gen4-5")
    plugin.validate(GenerationRequest(prompt="a" * 1000))
    with pytest.raises(PermanentProviderError, match="at most 1000"):
        plugin.validate(GenerationRequest(prompt="a" * 999 + "🎥"))


def test_a_running_task_reports_progress_and_an_internal_failure_is_worth_retrying(runway):
    job_id = runway.plugin.submit(runway.request()).job_id
    runway.plugin.poll(job_id)
    running = runway.plugin.poll(job_id)
    assert running.status == JobStatus.RUNNING
    assert 0 < running.progress < 1
    runway.fake.jobs[job_id].fault = "job_failed"
    runway.fake.jobs[job_id].polls = 10
    failed = runway.plugin.poll(job_id)
    assert failed.error_permanent is True
    assert "SAFETY.INPUT" in failed.error


def test_cancel_deletes_the_task(runway):
    job_id = runway.plugin.submit(runway.request()).job_id
    runway.plugin.cancel(job_id)
    assert runway.plugin.poll(job_id).status == JobStatus.CANCELED
