"""SSIM with scikit-image's default settings, fast: exact integer window sums, float32 after.

``structural_similarity(a, b)`` on two uint8 images uses a 7x7 uniform window, sample
covariance (N / (N - 1)), K1 = 0.01, K2 = 0.03, a data range of 255 and the mean of the SSIM map
without a 3-pixel border. Here every window sum (of x, x*x, x*y) is an exact int32, and so are
the variance and covariance numerators ``N*sum(xy) - sum(x)*sum(y)``: float32 only enters after
the cancellation, so the result agrees with scikit-image's float64 to about 1e-7.

Each video frame is in two pairs (with the frame before and the frame after), so its sums and
variance are computed once (``FrameStats``) and only the cross terms are computed per pair. The
border is cropped before averaging, so the box filter's border mode never shows.
"""

import cv2
import numpy as np

WIN_SIZE = 7
N = WIN_SIZE * WIN_SIZE
PAD = (WIN_SIZE - 1) // 2
DATA_RANGE = 255.0
C1 = (0.01 * DATA_RANGE) ** 2
C2 = (0.03 * DATA_RANGE) ** 2
WINDOW = (WIN_SIZE, WIN_SIZE)
#: variance = (N * sum(x*x) - sum(x)**2) / (N * (N - 1)), scikit-image's sample covariance
VAR_SCALE = 1.0 / (N * (N - 1))
MEAN_SQ_SCALE = 1.0 / (N * N)


def window_sums(image: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write the int32 sum of every 7x7 window of a uint8 or uint16 image into ``out``."""
    return cv2.boxFilter(image, cv2.CV_32S, WINDOW, dst=out, normalize=False,
                         borderType=cv2.BORDER_REFLECT)


def scaled(values: np.ndarray, scale: float, offset: float, out: np.ndarray) -> np.ndarray:
    """Write ``values * scale + offset`` into the float32 array ``out`` and return it."""
    np.copyto(out, values, casting="unsafe")  # int32 -> float32: one rounding, 6e-8 relative
    out *= scale
    out += offset
    return out


class FrameStats:
    """Window statistics of one uint8 gray frame, in buffers reused from frame to frame.

    ``sums`` is sum(x) per window (int32), ``mean_sq`` is mean**2 + C1/2 and ``var`` is the
    sample variance + C2/2 (float32), so a pair's denominators are sums of the two frames'.
    Fill ``gray`` and call ``update``: allocating fresh 1080p buffers for every frame costs
    more in page faults than the arithmetic.
    """

    __slots__ = ("gray", "sums", "mean_sq", "var")

    def __init__(self, shape: tuple[int, int]):
        """Allocate buffers for frames of ``shape`` (height, width; at least 7x7)."""
        if len(shape) != 2 or min(shape) < WIN_SIZE:
            raise ValueError(f"SSIM needs frames of at least {WIN_SIZE}x{WIN_SIZE} pixels")
        self.gray = np.empty(shape, np.uint8)
        self.sums = np.empty(shape, np.int32)
        self.mean_sq = np.empty(shape, np.float32)
        self.var = np.empty(shape, np.float32)

    @classmethod
    def of(cls, gray: np.ndarray) -> "FrameStats":
        """Return the statistics of a 2-D uint8 image."""
        stats = cls(gray.shape)
        np.copyto(stats.gray, gray, casting="same_kind")
        return stats.update(StatsScratch(gray.shape))

    def update(self, scratch: "StatsScratch") -> "FrameStats":
        """Recompute every statistic from ``gray``; return self."""
        window_sums(self.gray, self.sums)
        np.multiply(self.gray, self.gray, out=scratch.squares, dtype=np.uint16)
        numerator = window_sums(scratch.squares, scratch.window_sq)
        sum_sq = np.multiply(self.sums, self.sums, out=scratch.sum_sq)  # <= (49*255)**2
        numerator *= N
        numerator -= sum_sq  # N * sum(x*x) - sum(x)**2, exact
        scaled(numerator, VAR_SCALE, C2 / 2, self.var)
        scaled(sum_sq, MEAN_SQ_SCALE, C1 / 2, self.mean_sq)
        return self


class StatsScratch:
    """Temporary buffers of ``FrameStats.update``, one set per thread."""

    __slots__ = ("squares", "window_sq", "sum_sq")

    def __init__(self, shape: tuple[int, int]):
        """Allocate buffers for frames of ``shape``."""
        self.squares = np.empty(shape, np.uint16)
        self.window_sq = np.empty(shape, np.int32)
        self.sum_sq = np.empty(shape, np.int32)


class PairScratch:
    """Reusable buffers for ``ssim`` on frames of one size, so no pair allocates."""

    __slots__ = ("product", "cross", "sum_prod", "num", "den")

    def __init__(self, shape: tuple[int, int]):
        """Allocate buffers for frames of ``shape``."""
        self.product = np.empty(shape, np.uint16)
        self.cross = np.empty(shape, np.int32)
        self.sum_prod = np.empty(shape, np.int32)
        self.num = np.empty(shape, np.float32)
        self.den = np.empty(shape, np.float32)


def ssim(a: FrameStats, b: FrameStats, scratch: PairScratch | None = None) -> float:
    """Return the mean SSIM of two frames, as scikit-image's defaults define it."""
    s = scratch or PairScratch(a.gray.shape)
    np.multiply(a.gray, b.gray, out=s.product, dtype=np.uint16)  # x*y <= 65025
    window_sums(s.product, s.cross)
    np.multiply(a.sums, b.sums, out=s.sum_prod)
    s.cross *= N
    s.cross -= s.sum_prod  # N * sum(x*y) - sum(x) * sum(y), exact
    numerator = scaled(s.sum_prod, 2 * MEAN_SQ_SCALE, C1, s.num)  # 2 mu_x mu_y + C1
    numerator *= scaled(s.cross, 2 * VAR_SCALE, C2, s.den)  # 2 cov + C2
    denominator = np.add(a.mean_sq, b.mean_sq, out=s.den)
    denominator *= np.add(a.var, b.var, out=s.cross.view(np.float32))  # cross is spent
    numerator /= denominator
    height, width = numerator.shape
    valid = numerator[PAD : height - PAD, PAD : width - PAD]
    return cv2.sumElems(valid)[0] / valid.size
