"""Open servers that mimic OpenAI's Videos API: configured per row, GPU time, lost jobs."""

from __future__ import annotations

from decimal import Decimal

from benchmarks.providers.base import JobStatus
from benchmarks.providers.openai.compatible import OpenAICompatibleVideo
from tests.benchmarks.providers.conftest import selfhost_config


def test_the_row_says_where_to_call_with_which_key_and_model(provider_fake, settings):
    settings.OPENAI_API_KEY = ""  # Sora's setting plays no part
    h = provider_fake("openai-compatible", "openai-compatible")

    h.plugin.submit(h.request())

    sent = h.fake.requests[-1]
    assert sent.path == "/v1/videos"
    assert sent.headers["authorization"] == f"Bearer {h.fake.key}"
    assert h.fake.jobs[next(iter(h.fake.jobs))].body["model"] == "ltx-video"


def test_the_cost_uses_the_gpu_time_the_server_reports(provider_fake):
    h = provider_fake("openai-compatible", "openai-compatible")
    h.fake.gpu_seconds = 300.0

    done = h.poll_until_done(h.plugin.submit(h.request()).job_id)

    assert done.gpu_time_source == "reported"
    assert done.gpu_seconds == 300.0
    assert done.actual_cost == Decimal("0.1667")  # 300 / 3600 h × $2


def test_without_reported_gpu_time_the_cost_is_wall_time_on_every_gpu(provider_fake):
    h = provider_fake("openai-compatible", "openai-compatible")
    h.fake.execution_seconds = 120
    h.plugin = OpenAICompatibleVideo(
        selfhost_config(h.fake, gpu_hour_price=Decimal("1.50"), gpu_count=4)
    )

    done = h.poll_until_done(h.plugin.submit(h.request()).job_id)

    assert done.gpu_time_source == "wall"
    assert done.gpu_seconds == 480.0
    assert done.actual_cost == Decimal("0.2000")  # 480 / 3600 h × $1.50


def test_a_video_the_restarted_server_no_longer_knows_may_pass_on_a_new_attempt(provider_fake):
    h = provider_fake("openai-compatible", "openai-compatible", steps=5)
    job_id = h.plugin.submit(h.request()).job_id
    h.fake.restart()

    lost = h.plugin.poll(job_id)

    assert lost.status == JobStatus.FAILED
    assert lost.error_permanent is False
    assert "no longer knows" in lost.error


def test_the_api_has_no_reference_to_find_an_interrupted_submit_by(provider_fake):
    h = provider_fake("openai-compatible", "openai-compatible")
    assert h.plugin.supports_reference_lookup is False


def test_a_row_cannot_promise_settings_the_videos_protocol_has_no_field_for():
    import pytest

    from benchmarks.providers.base import Capabilities
    from benchmarks.providers.selfhosted import ConfigError, SelfHostedConfig

    config = SelfHostedConfig(
        base_url="http://gpu:8000/v1",
        gpu_hour_price=Decimal("2"),
        model_id="ltx-video",
        capabilities=Capabilities(seed=True, end_frame=True, camera_moves=("orbit",)),
    )

    with pytest.raises(ConfigError, match="no field for end_frame, seed, camera_moves") as caught:
        OpenAICompatibleVideo(config).check_config()
    assert caught.value.field == "capabilities"


def test_end_frame_audio_camera_and_seed_are_refused_by_name(provider_fake):
    import pytest

    from benchmarks.providers.base import PermanentProviderError

    h = provider_fake("openai-compatible", "openai-compatible")
    for setting, words in [
        ({"end_image_url": "data:image/png;base64,AA=="}, "end frame"),
        ({"audio": True}, "audio on"),
        ({"camera": "orbit"}, "no camera control"),
        ({"seed": 3}, "seed"),
    ]:
        with pytest.raises(PermanentProviderError, match=words):
            h.plugin.validate(h.request(**setting))


def test_a_gateway_error_on_create_is_an_unknown_outcome(provider_fake):
    import pytest

    from benchmarks.providers.base import OutcomeUnknownError

    h = provider_fake("openai-compatible", "openai-compatible")
    h.fake.inject("gateway_error", on="submit")

    with pytest.raises(OutcomeUnknownError):
        h.plugin.submit(h.request())
    assert h.fake.submissions == 1
