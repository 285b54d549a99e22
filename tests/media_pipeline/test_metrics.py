"""Quality metrics: the seed's coherence to 1e-4, each motion metric on a clip built to show it."""

import json

import pytest

from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics import ALGORITHM_VERSION, score_video, temporal_coherence
from media_pipeline.metrics.scores import compact_series
from tests.perf.reference_coherence import reference_coherence

COHERENCE_KEYS = ("mean_coherence", "min_coherence", "std_coherence", "frame_count")


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("smooth", {}),
        ("flicker", {}),
        ("static", {}),
        ("scene_cut", {}),
        ("smooth", {"fps": 3, "seconds": 3}),  # under 5 fps: every frame is sampled
        ("smooth", {"fps": 12}),
        ("smooth", {"fps": 30000 / 1001, "seconds": 1}),
        ("odd", {"width": 321, "height": 181}),
        ("rotated", {"rotation": 90}),
        ("vfr", {}),
        ("black_middle", {}),
    ],
)
def test_coherence_agrees_with_the_seeds_reference(clip, kind, options):
    path = clip(kind, **options)
    fast, reference = temporal_coherence(path), reference_coherence(path)
    assert fast["frame_count"] == reference["frame_count"]
    for key in COHERENCE_KEYS[:3]:
        assert fast[key] == pytest.approx(reference[key], abs=1e-4), key


@pytest.mark.parametrize("sample_rate", [1, 2, 24])
def test_coherence_agrees_at_other_sample_rates(clip, sample_rate):
    path = clip("flicker")
    fast = temporal_coherence(path, sample_rate=sample_rate)
    reference = reference_coherence(path, sample_rate=sample_rate)
    assert fast["frame_count"] == reference["frame_count"]
    assert fast["mean_coherence"] == pytest.approx(reference["mean_coherence"], abs=1e-4)


def test_a_clip_with_one_sampled_frame_gets_a_clear_message(clip):
    with pytest.raises(InvalidMedia, match="too short to score: 1 sampled frame"):
        temporal_coherence(clip("smooth", seconds=0.25), sample_rate=1)


def test_a_video_too_small_for_the_ssim_window_is_refused(clip):
    with pytest.raises(InvalidMedia, match="at least 7x7"):
        score_video(clip("smooth", width=6, height=6, seconds=1))


def test_a_file_that_is_not_a_video_is_refused(bad_file):
    with pytest.raises(InvalidMedia, match="not a video file"):
        score_video(bad_file("text_file"))


def test_score_video_carries_the_seed_numbers_and_the_version(clip):
    path = clip("smooth")
    scores = score_video(path)
    seed = temporal_coherence(path)
    assert {key: getattr(scores, key) for key in COHERENCE_KEYS} == seed
    assert scores.algorithm_version == ALGORITHM_VERSION


def test_a_flickering_clip_scores_worse_than_a_smooth_one(clip):
    smooth, flicker = score_video(clip("smooth")), score_video(clip("flicker"))
    assert smooth.flicker_score < 0.5
    assert flicker.flicker_score > 5
    assert smooth.flicker_spikes == []
    # The pattern darkens frame 3 of every 6 at 24 fps: 0.125 s, 0.375 s, ...
    assert flicker.flicker_spikes == [round((3 + 6 * k) / 24, 3) for k in range(8)]


def test_a_scene_cut_is_not_flicker(clip):
    cut = score_video(clip("scene_cut"))
    assert cut.flicker_spikes == []
    assert max(v for _, v in cut.series["diff"]) > 50  # but the cut shows in the curve


def test_a_frozen_clip_has_no_motion(clip):
    frozen, smooth = score_video(clip("static")), score_video(clip("smooth"))
    assert frozen.motion_mean < 0.05
    assert frozen.frozen_fraction == 1.0
    assert smooth.motion_mean > 1
    assert smooth.frozen_fraction == 0.0


def test_black_frames_are_counted(clip):
    assert score_video(clip("black")).black_fraction == 1.0
    assert score_video(clip("black_middle")).black_fraction == pytest.approx(1 / 3, abs=0.05)
    assert score_video(clip("smooth")).black_fraction == 0.0


def test_a_blurred_clip_is_less_sharp(clip):
    assert score_video(clip("blurred")).sharpness < score_video(clip("smooth")).sharpness / 5


def test_series_hold_every_pair_and_every_frame_with_times(clip):
    scores = score_video(clip("smooth"))
    ssim, diff = scores.series["ssim"], scores.series["diff"]
    assert len(ssim) == scores.frame_count == 11
    assert [t for t, _ in ssim] == [round(4 * k / 24, 3) for k in range(1, 12)]
    assert len(diff) == 47
    assert diff[0][0] == round(1 / 24, 3)
    assert json.loads(json.dumps(scores.as_dict())) == scores.as_dict()


def test_long_series_are_pooled_keeping_their_spikes():
    values = [0.0] * 5000
    values[1234] = 9.0
    points = compact_series([i / 100 for i in range(5000)], values)
    assert len(points) == 1000
    assert [12.34, 9.0] in points
