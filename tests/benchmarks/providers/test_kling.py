"""Kling's protocol details: JWT auth, business codes, lookup by our reference, camera control."""

from __future__ import annotations

import time

import jwt
import pytest

from benchmarks.providers.base import (
    GenerationRequest,
    JobStatus,
    PermanentProviderError,
    TransientProviderError,
)
from benchmarks.providers.kling.plugin import camera_control
from benchmarks.providers.registry import get_plugin
from tests.benchmarks.providers.conftest import PNG_DATA_URI


@pytest.fixture
def kling(provider_fake):
    return provider_fake("kling", "kling-v2-5-turbo")


def test_each_call_carries_a_fresh_hs256_token_from_the_access_and_secret_keys(kling):
    kling.plugin.submit(kling.request())
    token = kling.fake.requests[-1].headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, kling.fake.secret, algorithms=["HS256"])
    assert claims["iss"] == kling.fake.access
    assert 1790 <= claims["exp"] - time.time() <= 1800
    assert claims["nbf"] <= time.time() - 4


def test_a_job_whose_id_was_lost_is_found_by_our_reference(kling):
    request = kling.request(reference="gen-7c1e")
    job_id = kling.plugin.submit(request).job_id
    assert kling.fake.requests[-1].json()["external_task_id"] == "gen-7c1e"
    assert kling.plugin.find_job("gen-7c1e") == job_id
    assert kling.plugin.find_job("gen-never-sent") is None


def test_an_image_to_video_task_is_polled_on_its_own_endpoint(kling):
    request = kling.request(image_url=PNG_DATA_URI, end_image_url=PNG_DATA_URI)
    job_id = kling.plugin.submit(request).job_id
    body = kling.fake.requests[-1].json()
    assert not body["image"].startswith("data:")  # Kling wants raw base64
    assert "aspect_ratio" not in body
    assert kling.poll_until_done(job_id).status == JobStatus.SUCCEEDED


def test_no_credit_on_http_429_is_permanent_but_a_rate_limit_is_not(kling):
    kling.fake.inject("no_credit")
    with pytest.raises(PermanentProviderError, match="1102"):
        kling.plugin.submit(kling.request())
    kling.fake.inject("rate_limited")
    with pytest.raises(TransientProviderError, match="1302"):
        kling.plugin.submit(kling.request())


def test_camera_moves_map_to_kling_and_impossible_ones_are_refused():
    assert camera_control("zoom_out") == {
        "type": "simple",
        "config": {"horizontal": 0, "vertical": 0, "pan": 0, "tilt": 0, "roll": 0, "zoom": 5},
    }
    assert camera_control("", "down_back") == {"type": "down_back"}
    for move, preset in (("orbit", ""), ("", "orbit"), ("zoom_in", "down_back")):
        with pytest.raises(PermanentProviderError):
            camera_control(move, preset)
    with pytest.raises(PermanentProviderError, match="no camera control"):
        get_plugin("kling-v2-5-turbo").validate(GenerationRequest(prompt="x", camera="zoom_in"))


def test_sound_is_switched_on_for_models_that_make_it(provider_fake):
    kling = provider_fake("kling", "kling-v2-6")
    kling.plugin.submit(kling.request(audio=True))
    assert kling.fake.requests[-1].json()["sound"] == "on"


def test_without_both_keys_kling_is_not_configured(settings):
    settings.KLING_ACCESS_KEY, settings.KLING_SECRET_KEY = "ak", ""
    assert get_plugin("kling-v2-6").is_configured() is False


@pytest.mark.usefixtures("short_timeouts")
def test_a_submit_that_timed_out_but_was_accepted_is_found_by_reference(kling):
    kling.fake.hang_seconds = 0.5
    kling.fake.inject("hang", on="submit")
    with pytest.raises(TransientProviderError) as caught:
        kling.plugin.submit(kling.request(reference="gen-lost-answer"))
    assert caught.value.code == "timeout"
    deadline = time.monotonic() + 3
    while not kling.fake.submissions and time.monotonic() < deadline:
        time.sleep(0.02)
    assert kling.plugin.find_job("gen-lost-answer") == next(iter(kling.fake.jobs))
