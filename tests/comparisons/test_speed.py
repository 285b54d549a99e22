"""Speed: each phase's p50/p95 per model, the realtime factor and the time to a first usable
clip, computed from known timings."""

from datetime import timedelta

import pytest

from benchmarks.models import Generation, QualityReport, VideoAsset
from comparisons.filters import ClipFilter
from comparisons.stats import leaderboard
from tests.comparisons.conftest import add_clip, published_run
from tests.factories import VideoModelFactory

pytestmark = pytest.mark.django_db


def timed_clip(run, model, *, sample, provider, queue=2.0, clip_seconds=5.0):
    """Add a clip that waited `queue` s, spent `provider` s at the provider, then 1+2+1 s."""
    generation = add_clip(run, model, sample=sample)
    start = run.created_at
    stamps = {
        "queued_at": start,
        "submitting_at": start + timedelta(seconds=queue),
        "submitted_at": start + timedelta(seconds=queue + 1),
    }
    stamps["downloading_at"] = stamps["submitted_at"] + timedelta(seconds=provider)
    stamps["transcoding_at"] = stamps["downloading_at"] + timedelta(seconds=1)
    stamps["scoring_at"] = stamps["transcoding_at"] + timedelta(seconds=2)
    stamps["completed_at"] = stamps["scoring_at"] + timedelta(seconds=1)
    Generation.objects.filter(pk=generation.pk).update(**stamps)
    VideoAsset.objects.create(
        generation=generation, tier="original", key=f"o/{generation.pk}", content_type="video/mp4",
        duration=clip_seconds, sha256=f"{generation.pk:064x}",
    )  # fmt: skip
    return Generation.objects.prefetch_related("assets").get(pk=generation.pk)


@pytest.fixture
def run():
    return published_run(samples=5, state="complete")


def test_the_realtime_factor_is_seconds_of_video_per_second_from_submit_to_ready(run):
    clip = timed_clip(run, VideoModelFactory(), sample=0, provider=15, clip_seconds=5.0)
    # submit → ready: 1 s until accepted + 15 s at the provider + 1 + 2 + 1 = 20 s.
    assert clip.submit_to_ready == timedelta(seconds=20)
    assert clip.realtime_factor == pytest.approx(0.25)


def test_the_leaderboard_has_p50_and_p95_per_phase_and_sorts_by_them(run):
    slow, fast = VideoModelFactory(slug="slow"), VideoModelFactory(slug="fast")
    for k, seconds in enumerate([10, 20, 30, 40, 100]):
        timed_clip(run, slow, sample=k, provider=seconds)
    timed_clip(run, fast, sample=0, provider=4)

    rows = {row.model.slug: row for row in leaderboard(ClipFilter())}
    assert rows["slow"].speed["provider"].p50 == pytest.approx(30)
    assert rows["slow"].p95_time == pytest.approx(88)  # 40 + 0.8 × (100 − 40)
    assert rows["slow"].speed["queue_wait"].p95 == pytest.approx(2)
    assert rows["slow"].speed["transcode"].p50 == pytest.approx(2)
    assert rows["fast"].realtime.p50 == pytest.approx(5 / 9)  # 5 s of video in 1+4+1+2+1 s
    ordered = [r.model.slug for r in leaderboard(ClipFilter(), sort="time_p95", descending=False)]
    assert ordered == ["fast", "slow"]
    ordered = [r.model.slug for r in leaderboard(ClipFilter(), sort="realtime")]
    assert ordered == ["fast", "slow"]


def test_time_to_first_usable_clip_skips_the_unusable_ones(run):
    model = VideoModelFactory()
    frozen = timed_clip(run, model, sample=0, provider=5)
    timed_clip(run, model, sample=1, provider=30)
    QualityReport.objects.filter(generation=frozen).update(frozen_fraction=0.95)

    run.refresh_from_db()
    # The usable sample completed 3 + 30 + 4 = 37 s after the run started.
    assert run.time_to_first_usable() == timedelta(seconds=37)


def test_the_model_page_shows_p50_and_p95_per_step(client, run):
    model = VideoModelFactory(slug="timed")
    for k, seconds in enumerate([10, 20, 30, 40, 100]):
        timed_clip(run, model, sample=k, provider=seconds)
    html = client.get(model.get_absolute_url()).content.decode()
    row = html.split("At the provider")[1].split("</tr>")[0]
    assert "30.0 s" in row
    assert "1 min 28 s" in row or "88.0 s" in row
