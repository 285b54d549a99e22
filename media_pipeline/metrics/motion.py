"""Motion, flicker, frozen and black frames, from a small gray copy of every frame.

All values are in 8-bit luma levels (0-255) on frames shrunk to at most 192 px (area average,
which also averages away most grain and compression noise).

Flicker is a frame that differs from both of its neighbours much more than the neighbours
differ from each other: ``min(d(i-1, i), d(i, i+1)) - d(i-1, i+1)``. Smooth motion makes that
negative (frames two apart differ more), a scene cut makes it about zero (one of the two sides
is small), so only flashes and dropouts stand out, whatever the clip's own amount of motion.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

#: A frame within this mean difference of the one before it is frozen (a repeated frame).
FROZEN_DIFF = 0.5
#: A frame is black when its mean luma is below this and almost no pixel is bright.
BLACK_MEAN = 24.0
BLACK_BRIGHT_LEVEL = 40
BLACK_BRIGHT_SHARE = 0.02
#: A flicker value above this (luma levels) marks a spike.
FLICKER_SPIKE = 3.0


@dataclass
class MotionTracker:
    """Collect per-frame numbers from small gray frames fed in display order."""

    diffs: list[float] = field(default_factory=list)  # d(i-1, i) for i >= 1
    flicker: list[float] = field(default_factory=list)  # flicker value of frame i - 1, i >= 2
    black: int = 0
    frames: int = 0
    _prev: np.ndarray | None = None
    _prev2: np.ndarray | None = None

    def feed(self, frame: np.ndarray) -> None:
        """Add the next frame (2-D uint8); the caller may reuse its buffer afterwards."""
        self.frames += 1
        self.black += is_black(frame)
        if self._prev is not None:
            self.diffs.append(mean_abs_diff(self._prev, frame))
        if self._prev2 is not None:
            skip = mean_abs_diff(self._prev2, frame)
            self.flicker.append(min(self.diffs[-2], self.diffs[-1]) - skip)
        self._prev2, self._prev = self._prev, frame.copy()


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Return the mean absolute difference of two uint8 frames."""
    return cv2.norm(a, b, cv2.NORM_L1) / a.size


def is_black(frame: np.ndarray) -> bool:
    """Say whether a gray frame is black: dark on average with almost no bright pixel."""
    if cv2.mean(frame)[0] >= BLACK_MEAN:
        return False
    return np.count_nonzero(frame > BLACK_BRIGHT_LEVEL) < BLACK_BRIGHT_SHARE * frame.size


@dataclass(frozen=True)
class MotionSummary:
    """The motion numbers of one clip."""

    motion_mean: float
    frozen_fraction: float
    black_fraction: float
    flicker_score: float
    flicker_spikes: list[float]


def summarize(tracker: MotionTracker, fps: float) -> MotionSummary:
    """Return the clip's motion numbers; spike times are in seconds."""
    diffs = np.asarray(tracker.diffs, dtype=np.float64)
    flicker = np.clip(np.asarray(tracker.flicker, dtype=np.float64), 0, None)
    spikes = np.flatnonzero(flicker > FLICKER_SPIKE) + 1  # flicker[k] belongs to frame k + 1
    return MotionSummary(
        motion_mean=float(diffs.mean()) if diffs.size else 0.0,
        frozen_fraction=float(np.mean(diffs < FROZEN_DIFF)) if diffs.size else 0.0,
        black_fraction=tracker.black / tracker.frames if tracker.frames else 0.0,
        flicker_score=float(flicker.mean()) if flicker.size else 0.0,
        flicker_spikes=[round(float(i) / fps, 3) for i in spikes] if fps else [],
    )


def sharpness(gray: np.ndarray) -> float:
    """Return the variance of the Laplacian of a gray frame (higher is sharper)."""
    laplacian = cv2.Laplacian(gray, cv2.CV_16S)
    _, std = cv2.meanStdDev(laplacian)
    return float(std[0, 0]) ** 2
