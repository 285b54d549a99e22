"""Probing and validation: what good files hold, and one clear line for every bad file."""

import dataclasses

import pytest

from media_pipeline.errors import InvalidMedia
from media_pipeline.probe import bit_depth, probe, validate
from tests import clips


def test_a_plain_clip_is_described_fully(clip):
    info = probe(clip("smooth"))
    assert (info.container, info.video_codec, info.width, info.height) == ("mp4", "h264", 320, 180)
    assert info.fps == 24
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.frame_count == 48
    assert (info.rotation, info.pix_fmt, info.bit_depth) == (0, "yuv420p", 8)
    assert (info.has_audio, info.audio_codec, info.audio_channels) == (True, "aac", 2)
    assert info.bitrate > 0
    assert info.size_bytes == clip("smooth").stat().st_size


def test_a_rotated_phone_clip_reports_its_display_size(clip):
    info = probe(clip("rotated", rotation=90))
    assert info.rotation == 90
    assert (info.width, info.height) == (180, 320)
    assert (info.coded_width, info.coded_height) == (320, 180)


def test_ten_bit_surround_and_silent_clips_are_described(clip):
    assert probe(clip("ten_bit")).bit_depth == 10
    assert probe(clip("surround")).audio_channels == 6
    silent = probe(clip("smooth", audio=False))
    assert (silent.has_audio, silent.audio_codec, silent.audio_channels) == (False, "", 0)


def test_odd_sizes_non_square_pixels_and_variable_rate_are_accepted(clip):
    odd = probe(clip("odd", width=321, height=181))
    assert (odd.width, odd.height) == (321, 181)
    anamorphic = probe(clip("anamorphic"))
    assert (anamorphic.width, anamorphic.height) == (427, 180)  # 320 * 4/3
    vfr = probe(clip("vfr"))
    assert vfr.frame_count == 48
    for info in (odd, anamorphic, vfr):
        validate(info)


def test_ntsc_rates_come_back_exact(clip):
    assert probe(clip("smooth", fps=30000 / 1001, seconds=1)).fps == 30000 / 1001


@pytest.mark.parametrize(
    ("maker", "options", "message"),
    [
        ("empty", {}, "file is empty (0 bytes)"),
        ("text_file", {}, "not a video file"),
        ("garbage", {}, "not a video file"),
        ("image_as_video", {}, "still image"),
        ("audio_only", {}, "no video stream (audio only)"),
        ("single_frame", {}, "has 1 frame"),
        ("zero_fps", {}, "no frame rate"),
        ("truncated", {"fraction": 0.1}, "truncated"),
        ("truncated", {"fraction": 0.5}, "truncated"),
        ("truncated", {"fraction": 0.9}, "truncated"),
    ],
)
def test_bad_files_are_refused_with_one_clear_line(bad_file, maker, options, message):
    with pytest.raises(InvalidMedia) as caught:
        validate(probe(bad_file(maker, **options)))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_clip_cut_before_its_moov_atom_is_refused(clip, tmp_path):
    source = clip("smooth", faststart=False)
    with pytest.raises(InvalidMedia, match="not a video file"):
        probe(clips.make_truncated(tmp_path / "cut.mp4", fraction=0.5, source=source))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidMedia, match="file not found"):
        probe(tmp_path / "nope.mp4")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("MEDIA_MAX_BYTES", 1000, "over the 0 MB limit"),
        ("MEDIA_MAX_DURATION", 1, "over the 1 s limit"),
        ("MEDIA_MAX_DIMENSION", 200, "over the 200 px limit"),
    ],
)
def test_limits_come_from_settings(clip, settings, setting, value, message):
    info = probe(clip("smooth"))
    validate(info)
    setattr(settings, setting, value)
    with pytest.raises(InvalidMedia, match=message):
        validate(info)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fps": 0.0}, "no frame rate"),
        ({"fps": 1000.0}, "above 240 fps"),
        ({"duration": 0.0}, "zero duration"),
        ({"width": 8}, "under the 16 px minimum"),
        ({"width": 100_000}, "px limit"),
    ],
)
def test_absurd_values_are_refused(clip, change, message):
    info = dataclasses.replace(probe(clip("smooth")), **change)
    with pytest.raises(InvalidMedia, match=message):
        validate(info)


@pytest.mark.parametrize(
    ("pix_fmt", "depth"),
    [("yuv420p", 8), ("yuv420p10le", 10), ("yuv444p12be", 12), ("gray", 8), ("nv12", 8)],
)
def test_bit_depth_is_read_from_the_pixel_format(pix_fmt, depth):
    assert bit_depth(pix_fmt) == depth


def test_stream_metadata_does_not_depend_on_the_text_ffmpeg_prints(clip, monkeypatch):
    from media_pipeline import ffmpeg
    from media_pipeline.probe import read_header

    def no_log_text(*args, **kwargs):
        raise AssertionError(f"ffmpeg was run to read metadata: {args}")

    path = clip("rotated", rotation=90)
    monkeypatch.setattr(ffmpeg, "run", no_log_text)

    header = read_header(path)

    assert (header.container, header.duration) == ("mp4", pytest.approx(2.0, abs=0.05))
    assert header.video["codec"] == "h264"
    assert (header.video["width"], header.video["height"], header.video["rotation"]) == (
        320, 180, 90
    )  # fmt: skip
    assert header.video["fps"] == 24
    assert (header.audio["codec"], header.audio["channels"]) == ("aac", 2)
