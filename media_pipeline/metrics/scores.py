"""The full quality report of one clip, from a single decode."""

from dataclasses import asdict, dataclass

import numpy as np

from media_pipeline.metrics import motion
from media_pipeline.metrics.audio import measure_audio
from media_pipeline.metrics.coherence import measure, summarize

#: Bump whenever any number below would change for the same file; reports with another
#: version are recomputed by ``manage.py rescore``.
ALGORITHM_VERSION = "2026.12-1"
#: Series longer than this are max-pooled (spikes survive) to keep reports small.
MAX_SERIES_POINTS = 1000


@dataclass(frozen=True)
class QualityScores:
    """Every metric of one clip, with the per-frame series for the player's timeline.

    Coherence numbers follow the seed; ``flicker_score``, ``motion_mean`` and the series'
    ``diff`` values are in 8-bit luma levels; fractions are of frames; ``sharpness`` is the
    variance of the Laplacian; ``flicker_spikes`` are seconds from the start.
    """

    mean_coherence: float
    min_coherence: float
    std_coherence: float
    frame_count: int
    flicker_score: float
    flicker_spikes: list[float]
    motion_mean: float
    frozen_fraction: float
    black_fraction: float
    sharpness: float
    series: dict
    algorithm_version: str
    #: EBU R128 integrated loudness and share of silence; None without an audio stream.
    loudness_lufs: float | None = None
    silence_fraction: float | None = None

    def as_dict(self) -> dict:
        """Return the scores as a JSON-serialisable dict."""
        return asdict(self)


def score_video(path, *, sample_rate: int = 5) -> QualityScores:
    """Decode ``path`` once and return all its quality scores; raises InvalidMedia."""
    measured = measure(path, sample_rate=sample_rate, with_motion=True)
    moving = motion.summarize(measured.motion, measured.fps)
    sound = measure_audio(path)
    fps, diffs = measured.fps, measured.motion.diffs
    # Each difference belongs to its later frame: frames 1..n, not 0..n-1.
    diff_times = [(i + 1) / fps if fps else 0.0 for i in range(len(diffs))]
    return QualityScores(
        **summarize(measured.scores),
        flicker_score=moving.flicker_score,
        flicker_spikes=moving.flicker_spikes,
        motion_mean=moving.motion_mean,
        frozen_fraction=moving.frozen_fraction,
        black_fraction=moving.black_fraction,
        sharpness=float(np.mean(measured.sharpness)),
        series={
            "ssim": compact_series(measured.times, measured.scores, keep=np.argmin),
            "diff": compact_series(diff_times, diffs),
        },
        algorithm_version=ALGORITHM_VERSION,
        loudness_lufs=sound.loudness_lufs,
        silence_fraction=sound.silence_fraction,
    )


def compact_series(times: list[float], values: list[float], *, keep=np.argmax) -> list[list]:
    """Return ``[[t, v], ...]`` rounded and pooled down to MAX_SERIES_POINTS points.

    Each pool keeps its most telling point: ``keep`` picks it (argmax for differences,
    argmin for SSIM, whose dips matter).
    """
    step = max(1, -(-len(values) // MAX_SERIES_POINTS))
    points = []
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        peak = start + int(keep(chunk))
        points.append([round(times[peak], 3), round(float(values[peak]), 4)])
    return points
