"""The built-in demo renderer: deterministic clips that look different per demo model."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from dataclasses import replace
from itertools import islice

import imageio_ffmpeg
import numpy as np
import pytest

from benchmarks.providers.base import GenerationRequest, JobStatus, PermanentProviderError
from benchmarks.providers.local import jobs
from benchmarks.providers.local.plugin import LocalFlicker, LocalFrozen, LocalJerky, LocalSmooth
from benchmarks.providers.local.render import iter_frames

PROMPT = "A paper boat drifts down a rainy street at dusk"


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LOCAL_PROVIDER_SPEED = 0
    return tmp_path


def frames_of(plugin, request, count=None):
    return list(islice(iter_frames(plugin.clip_spec(request)), count))


def small_frames_of(plugin, request, count):
    """Return the first frames at 320x180: the motion is the same, the maths is 16x cheaper."""
    spec = replace(plugin.clip_spec(request), width=320, height=180)
    return list(islice(iter_frames(spec), count))


def probe(data: bytes) -> str:
    """Return ffmpeg's description of a clip (the bundled ffmpeg has no ffprobe)."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", "pipe:0"],
        input=data,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.stderr.decode()


def mean_abs_diffs(frames):
    gray = [f.mean(axis=2, dtype=np.float32) for f in frames]
    return np.array([np.abs(b - a).mean() for a, b in zip(gray, gray[1:], strict=False)])


def test_the_same_prompt_model_and_seed_give_the_same_frames():
    request = GenerationRequest(prompt=PROMPT, seed=7)
    first = [hashlib.sha256(f.tobytes()).hexdigest() for f in frames_of(LocalSmooth(), request, 30)]
    again = [hashlib.sha256(f.tobytes()).hexdigest() for f in frames_of(LocalSmooth(), request, 30)]
    assert first == again


def test_a_different_seed_prompt_or_model_changes_the_picture():
    base = frames_of(LocalSmooth(), GenerationRequest(prompt=PROMPT, seed=7), 1)[0]
    other_seed = frames_of(LocalSmooth(), GenerationRequest(prompt=PROMPT, seed=8), 1)[0]
    other_prompt = frames_of(LocalSmooth(), GenerationRequest(prompt="A dog", seed=7), 1)[0]
    other_model = frames_of(LocalJerky(), GenerationRequest(prompt=PROMPT, seed=7), 1)[0]
    for frame in (other_seed, other_prompt, other_model):
        assert not np.array_equal(base, frame)


def test_demo_models_differ_in_ways_the_metrics_can_see():
    request = GenerationRequest(prompt=PROMPT, seed=3)
    smooth = mean_abs_diffs(small_frames_of(LocalSmooth(), request, 72))
    flicker = mean_abs_diffs(small_frames_of(LocalFlicker(), request, 72))
    frozen = mean_abs_diffs(small_frames_of(LocalFrozen(), request, 72))
    jerky = mean_abs_diffs(small_frames_of(LocalJerky(), request, 72))
    assert flicker.max() > 5 * np.median(flicker)
    assert smooth.max() < 3 * np.median(smooth) + 1
    assert np.median(frozen) < 0.2 * np.median(smooth)
    assert jerky.max() > 2 * smooth.max()


def test_aspect_ratio_sets_the_frame_size():
    frame = frames_of(LocalSmooth(), GenerationRequest(prompt=PROMPT, aspect_ratio="9:16"), 1)[0]
    assert frame.shape == (1280, 720, 3)


def test_submit_poll_download_makes_a_720p_clip_of_five_seconds_with_audio(local_media):
    plugin = LocalSmooth()
    submitted = plugin.submit(GenerationRequest(prompt=PROMPT, reference="gen-1"))
    poll = plugin.poll(submitted.job_id)
    assert poll.status == JobStatus.SUCCEEDED
    out = io.BytesIO()
    written = plugin.download(poll, out)
    assert written == len(out.getvalue()) > 10_000
    info = probe(out.getvalue())
    assert re.search(r"Video: h264.*1280x720.*24 fps", info)
    assert re.search(r"Audio: aac", info)
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info).groups()
    assert int(hours) * 3600 + int(minutes) * 60 + float(seconds) >= 5.0


def test_poll_reports_progress_until_the_simulated_time_has_passed(local_media, settings):
    settings.LOCAL_PROVIDER_SPEED = 1.0
    plugin = LocalJerky()
    job_id = plugin.submit(GenerationRequest(prompt=PROMPT)).job_id
    first = plugin.poll(job_id)
    assert first.status in (JobStatus.PENDING, JobStatus.RUNNING)
    assert first.poll_after > 0
    settings.LOCAL_PROVIDER_SPEED = 0
    plugin.submit(GenerationRequest(prompt=PROMPT))  # a later job does not change this one
    assert plugin.poll(job_id).status in (JobStatus.PENDING, JobStatus.RUNNING)


def test_a_running_job_reports_progress_between_zero_and_one(local_media):
    plugin = LocalSmooth()
    job_id = plugin.submit(GenerationRequest(prompt=PROMPT)).job_id
    job = jobs.load_job(job_id)
    job["generation_seconds"] = 100.0
    job["created_at"] -= 60.0
    jobs.save_job(job)
    poll = plugin.poll(job_id)
    assert poll.status == JobStatus.RUNNING
    assert 0.0 < poll.progress < 1.0


def test_find_job_recovers_a_job_by_our_reference(local_media):
    plugin = LocalFrozen()
    job_id = plugin.submit(GenerationRequest(prompt=PROMPT, reference="gen-42")).job_id
    plugin.submit(GenerationRequest(prompt=PROMPT, reference="gen-43"))
    assert plugin.find_job("gen-42") == job_id
    assert plugin.find_job("gen-missing") is None


def test_a_canceled_job_polls_as_canceled(local_media):
    plugin = LocalFlicker()
    job_id = plugin.submit(GenerationRequest(prompt=PROMPT)).job_id
    plugin.cancel(job_id)
    assert plugin.poll(job_id).status == JobStatus.CANCELED


def test_an_unknown_job_or_unsupported_request_is_a_permanent_error(local_media):
    plugin = LocalSmooth()
    with pytest.raises(PermanentProviderError):
        plugin.poll("local-0123abcd")
    with pytest.raises(PermanentProviderError):
        plugin.poll("../../etc/passwd")
    with pytest.raises(PermanentProviderError, match="not 10 s"):
        plugin.validate(GenerationRequest(prompt=PROMPT, duration=10))


def test_demo_models_are_labeled_synthetic_with_a_demo_price():
    for cls in (LocalSmooth, LocalFlicker, LocalFrozen, LocalJerky):
        assert cls.synthetic is True
        assert cls.provider_slug == "local"
        assert "demo" in cls.default_price.source
