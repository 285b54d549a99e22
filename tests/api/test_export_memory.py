"""The runs exports hold one chunk of rows at a time: their memory does not grow with the data."""

import gc
import tracemalloc

import pytest
from django.utils import timezone

from api import export
from benchmarks.models import Generation, QualityReport
from comparisons.models import Comparison
from tests.factories import GenerationFactory, RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def _publish(runs: int, models) -> None:
    """Publish `runs` runs of one scored clip per model."""
    for _ in range(runs):
        run = RunFactory()
        clips = [
            GenerationFactory(run=run, video_model=model, state=Generation.State.COMPLETE)
            for model in models
        ]
        for clip in clips:
            QualityReport.objects.create(
                generation=clip, algorithm_version="1", mean_coherence=0.9, min_coherence=0.8,
                std_coherence=0.02, frame_count=40, flicker_score=0.1,
            )  # fmt: skip
        Comparison.objects.create(
            slug=f"run-{run.pk}", title="Run", prompt=run.prompt, run=run, published=True,
            published_at=timezone.now(),
        ).generations.set(clips)  # fmt: skip


def _peak(client, url: str) -> tuple[int, int]:
    """Return (bytes streamed, peak bytes of Python allocations) consuming one export."""
    gc.collect()
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in client.get(url).streaming_content)
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("url", ["/api/v1/export/runs.csv", "/api/v1/export/runs.json"])
def test_export_memory_stays_flat_as_published_runs_grow(client, monkeypatch, url):
    monkeypatch.setattr(export, "CHUNK", 2)
    models = [VideoModelFactory(slug=f"model-{i}") for i in range(4)]
    _publish(8, models)
    _peak(client, url)  # the first request imports and warms what every later one reuses
    small_size, small = _peak(client, url)
    _publish(24, models)
    large_size, large = _peak(client, url)

    assert large_size > 3.5 * small_size
    # Before the fix every chunk's rows stayed allocated: 4× the runs, about 2.5× the peak.
    assert large < 1.25 * small, (small, large)
