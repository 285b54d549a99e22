"""Loudness (EBU R128 integrated) and silence share, on a clip with a known tone and on silence."""

import pytest

from media_pipeline.ffmpeg import run
from media_pipeline.metrics import score_video
from media_pipeline.metrics.audio import LOUDNESS_FLOOR, measure_audio

#: A stereo 1 kHz sine at -23 dBFS in both channels reads -23 LUFS (EBU Tech 3341, case 1).
MINUS_23_DBFS = 10 ** (-23 / 20)


def clip_with(path, audio_source: str | None, seconds: int = 3):
    args = ["-y", "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate=24:duration={seconds}"]
    if audio_source:
        args += ["-f", "lavfi", "-i", audio_source, "-c:a", "aac", "-b:a", "192k"]
    run(*args, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-t", str(seconds), str(path))
    return path


def tone(level: float, seconds: int) -> str:
    wave = f"{level}*sin(2*PI*1000*t)"
    return f"aevalsrc={wave}|{wave}:channel_layout=stereo:sample_rate=48000:duration={seconds}"


def test_a_known_tone_reads_its_loudness_and_no_silence(tmp_path):
    scores = measure_audio(clip_with(tmp_path / "tone.mp4", tone(MINUS_23_DBFS, 3)))
    assert scores.loudness_lufs == pytest.approx(-23.0, abs=0.5)
    assert scores.silence_fraction == pytest.approx(0.0, abs=0.01)


def test_silence_reads_the_floor_and_all_silent(tmp_path):
    silence = "anullsrc=channel_layout=stereo:sample_rate=48000"
    scores = measure_audio(clip_with(tmp_path / "silence.mp4", silence))
    assert scores.loudness_lufs == LOUDNESS_FLOOR
    assert scores.silence_fraction == pytest.approx(1.0, abs=0.02)


def test_a_tone_then_silence_is_half_silent(tmp_path):
    half = (
        "aevalsrc=if(lt(t\\,2)\\,0.1*sin(2*PI*440*t)\\,0)|if(lt(t\\,2)\\,0.1*sin(2*PI*440*t)\\,0)"
        ":channel_layout=stereo:sample_rate=48000:duration=4"
    )
    scores = measure_audio(clip_with(tmp_path / "half.mp4", half, seconds=4))
    assert scores.silence_fraction == pytest.approx(0.5, abs=0.05)


def test_a_clip_without_audio_has_no_numbers_rather_than_zeros(tmp_path):
    scores = score_video(clip_with(tmp_path / "mute.mp4", None))
    assert scores.loudness_lufs is None
    assert scores.silence_fraction is None
