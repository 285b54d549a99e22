"""Web tiers: one ffmpeg pass, right sizes, web-ready MP4s, nothing left behind on failure."""

import hashlib
import struct

import cv2
import pytest

from media_pipeline import ffmpeg
from media_pipeline.errors import InvalidMedia
from media_pipeline.probe import keyframe_times, probe
from media_pipeline.transcode import KEYFRAME_SECONDS, fit_size, transcode_tiers


def top_level_boxes(path) -> list[str]:
    """Return the types of an MP4's top-level boxes, in file order."""
    data, boxes, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        offset += size or len(data)
    return boxes


def tiers_of(src, out_dir) -> dict:
    """Transcode and return the tiers by name."""
    return {tier.tier: tier for tier in transcode_tiers(src, out_dir)}


@pytest.mark.parametrize(
    ("size", "box", "expected"),
    [
        ((1920, 1080), (720, 1280), (1280, 720)),
        ((1080, 1920), (720, 1280), (720, 1280)),
        ((1920, 1080), (480, 854), (852, 480)),
        ((320, 180), (720, 1280), (320, 180)),  # never upscale
        ((321, 181), (720, 1280), (320, 180)),  # even
        ((4096, 1716), (720, 1280), (1280, 536)),  # 2.39:1 limited by the long side
        ((1000, 1000), (480, 854), (480, 480)),
    ],
)
def test_fit_size_keeps_aspect_never_upscales_and_is_even(size, box, expected):
    assert fit_size(*size, *box) == expected


def test_a_720p_clip_becomes_720p_480p_and_a_poster(clip, tmp_path):
    tiers = tiers_of(clip("smooth", width=1280, height=720, seconds=1), tmp_path)
    assert set(tiers) == {"standard", "preview", "poster"}
    standard, preview, poster = tiers["standard"], tiers["preview"], tiers["poster"]
    assert (standard.width, standard.height, standard.codec) == (1280, 720, "h264")
    assert (preview.width, preview.height) == (852, 480)
    assert preview.size_bytes < standard.size_bytes / 2
    for tier in (standard, preview):
        info = probe(tier.path)
        assert (info.width, info.height) == (tier.width, tier.height)
        assert (info.pix_fmt, info.audio_codec, info.audio_channels) == ("yuv420p", "aac", 2)
        assert tier.duration == pytest.approx(1.0, abs=0.05)
        assert tier.fps == 24
        assert tier.content_type == "video/mp4"
    image = cv2.imread(str(poster.path))
    assert image.shape == (720, 1280, 3)
    assert (poster.content_type, poster.codec) == ("image/jpeg", "jpeg")


def test_every_mp4_has_its_moov_before_its_mdat(clip, tmp_path):
    tiers = tiers_of(clip("smooth", faststart=False), tmp_path)
    for name in ("standard", "preview"):
        boxes = top_level_boxes(tiers[name].path)
        assert boxes.index("moov") < boxes.index("mdat"), boxes


def test_sizes_and_hashes_describe_the_written_files(clip, tmp_path):
    out = tmp_path / "out"
    for tier in transcode_tiers(clip("smooth"), out):
        data = tier.path.read_bytes()
        assert tier.size_bytes == len(data)
        assert tier.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == ["poster.jpg", "preview.mp4", "standard.mp4"]


def test_a_rotated_phone_clip_is_turned_upright(clip, tmp_path):
    tiers = tiers_of(clip("rotated", rotation=90), tmp_path)
    info = probe(tiers["standard"].path)
    assert (info.width, info.height, info.rotation) == (180, 320, 0)
    assert cv2.imread(str(tiers["poster"].path)).shape[:2] == (320, 180)


def test_ten_bit_becomes_eight_bit_and_surround_becomes_stereo(clip, tmp_path):
    info = probe(tiers_of(clip("ten_bit"), tmp_path / "a")["standard"].path)
    assert (info.pix_fmt, info.bit_depth) == ("yuv420p", 8)
    info = probe(tiers_of(clip("surround"), tmp_path / "b")["preview"].path)
    assert info.audio_channels == 2


def test_non_square_pixels_become_square_at_the_display_size(clip, tmp_path):
    info = probe(tiers_of(clip("anamorphic"), tmp_path)["standard"].path)
    assert (info.width, info.height) == (426, 180)
    assert (info.coded_width, info.coded_height) == (426, 180)


def test_odd_sizes_silence_and_variable_rate_transcode(clip, tmp_path):
    odd = tiers_of(clip("odd", width=321, height=181), tmp_path / "odd")["standard"]
    assert (odd.width, odd.height) == (320, 180)
    silent = probe(tiers_of(clip("smooth", audio=False), tmp_path / "silent")["standard"].path)
    assert not silent.has_audio
    vfr = probe(tiers_of(clip("vfr"), tmp_path / "vfr")["standard"].path)
    assert vfr.frame_count == probe(clip("vfr")).frame_count


def test_all_tiers_come_from_one_ffmpeg_process(clip, tmp_path, monkeypatch):
    calls = []
    real_run = ffmpeg.run

    def spy(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(ffmpeg, "run", spy)
    source = clip("smooth")
    transcode_tiers(source, tmp_path, info=probe(source))
    encodes = [args for args in calls if "-filter_complex" in args]
    assert len(encodes) == 1
    assert encodes[0].count("-i") == 1


def test_a_bad_source_leaves_nothing_behind(bad_file, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InvalidMedia, match="truncated"):
        transcode_tiers(bad_file("truncated", fraction=0.5), out)
    assert not out.exists() or not any(out.iterdir())


def test_a_failing_encode_removes_its_partial_files(clip, bad_file, tmp_path):
    info = probe(clip("smooth"))  # claims to be fine, but the bytes are garbage
    out = tmp_path / "out"
    with pytest.raises(InvalidMedia, match="transcoding failed"):
        transcode_tiers(bad_file("garbage"), out, info=info)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("fps", [24, 30000 / 1001])
def test_web_tiers_have_a_closed_gop_with_a_keyframe_at_least_every_second(clip, tmp_path, fps):
    """A seek decodes from the keyframe before it: x264's default put them 250 frames apart."""
    tiers = tiers_of(clip("smooth", fps=fps, seconds=4.5), tmp_path)
    for name in ("standard", "preview"):
        path = tiers[name].path
        times = keyframe_times(path)
        gaps = [b - a for a, b in zip([0.0, *times], [*times, tiers[name].duration], strict=True)]
        assert times[0] == pytest.approx(0.0, abs=1e-3)
        assert len(times) >= 4
        assert max(gaps) <= KEYFRAME_SECONDS + 1e-3, (name, times)
        assert b"open_gop=0" in path.read_bytes()[:200_000]  # x264 writes its options in the file
