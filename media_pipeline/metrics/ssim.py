"""SSIM with scikit-image's default settings, fast: exact integer window sums, float32 after.

``structural_similarity(a, b)`` on two uint8 images uses a 7x7 uniform window, sample
covariance (N / (N - 1)), K1 = 0.01, K2 = 0.03, a data range of 255 and the mean of the SSIM map
without a 3-pixel border. Here every window sum (of x, x*x, x*y) is an exact int32, and so are
the variance and covariance numerators ``N*sum(xy) - sum(x)*sum(y)``: float32 only enters after
the cancellation, so the result agrees with scikit-image's float64 to about 1e-7.

Each video frame is in two pairs (with the frame before and the frame after), so its sums and
variance are computed once (``FrameStats``) and only the cross terms are computed per pair.
Only windows that lie fully inside the frame are computed (scikit-image crops the others before
averaging), band by band.
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
#: Output rows computed at a time. A band's temporaries stay in cache instead of streaming
#: whole-frame arrays through memory once per operation: 64 rows measured about 20% less CPU
#: than whole frames at 1080p, and fewer rows cost more in per-call overhead.
BAND_ROWS = 64


def window_sums(image: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write the int32 sum of every 7x7 window of a uint8 or uint16 image into ``out``."""
    return cv2.boxFilter(
        image, cv2.CV_32S, WINDOW, dst=out, normalize=False, borderType=cv2.BORDER_REFLECT
    )


def scaled(values: np.ndarray, scale: float, offset: float, out: np.ndarray) -> np.ndarray:
    """Write ``values * scale + offset`` into the float32 array ``out`` and return it."""
    np.copyto(out, values, casting="unsafe")  # int32 -> float32: one rounding, 6e-8 relative
    out *= scale
    out += offset
    return out


def bands(valid_rows: int, band_rows: int):
    """Yield (first, count) for consecutive bands of output rows."""
    for first in range(0, valid_rows, band_rows):
        yield first, min(band_rows, valid_rows - first)


class FrameStats:
    """Window statistics of one uint8 gray frame, for every fully inside 7x7 window.

    Arrays are (height - 6) x (width - 6): entry [r, c] describes the window centred on pixel
    [r + 3, c + 3], exactly the region scikit-image averages. ``sums`` is sum(x) (int32),
    ``mean_sq`` is mean**2 + C1/2 and ``var`` is the sample variance + C2/2 (float32), so a
    pair's denominators are sums of the two frames' arrays. Buffers are reused from frame to
    frame: fill ``gray`` and call ``update``.
    """

    __slots__ = ("gray", "sums", "mean_sq", "var")

    def __init__(self, shape: tuple[int, int]):
        """Allocate buffers for frames of ``shape`` (height, width; at least 7x7)."""
        if len(shape) != 2 or min(shape) < WIN_SIZE:
            raise ValueError(f"SSIM needs frames of at least {WIN_SIZE}x{WIN_SIZE} pixels")
        valid = (shape[0] - 2 * PAD, shape[1] - 2 * PAD)
        self.gray = np.empty(shape, np.uint8)
        self.sums = np.empty(valid, np.int32)
        self.mean_sq = np.empty(valid, np.float32)
        self.var = np.empty(valid, np.float32)

    @classmethod
    def of(cls, gray: np.ndarray) -> "FrameStats":
        """Return the statistics of a 2-D uint8 image."""
        stats = cls(gray.shape)
        np.copyto(stats.gray, gray, casting="same_kind")
        return stats.update(Scratch(gray.shape))

    def update(self, scratch: "Scratch") -> "FrameStats":
        """Recompute every statistic from ``gray``, band by band; return self."""
        for first, count in bands(self.sums.shape[0], scratch.band_rows):
            rows = slice(first, first + count)
            pixels = self.gray[first : first + count + 2 * PAD]
            sums = scratch.window_sums(pixels, scratch.box_a, count)
            np.copyto(self.sums[rows], sums)
            squares = np.multiply(
                pixels, pixels, out=scratch.wide_u16[: len(pixels)], dtype=np.uint16
            )
            numerator = scratch.window_sums(squares, scratch.box_b, count)
            sum_sq = np.multiply(sums, sums, out=scratch.int_band[:count])  # <= (49*255)**2
            numerator *= N
            numerator -= sum_sq  # N * sum(x*x) - sum(x)**2, exact
            scaled(numerator, VAR_SCALE, C2 / 2, self.var[rows])
            scaled(sum_sq, MEAN_SQ_SCALE, C1 / 2, self.mean_sq[rows])
        return self


class Scratch:
    """Band-sized buffers, one set per thread, so the work stays in the CPU cache."""

    def __init__(self, shape: tuple[int, int], band_rows: int = BAND_ROWS):
        """Allocate buffers for frames of ``shape``."""
        height, width = shape
        self.band_rows = band_rows
        wide, narrow = (band_rows + 2 * PAD, width), (band_rows, width - 2 * PAD)
        self.wide_u16 = np.empty(wide, np.uint16)
        self.box_a = np.empty(wide, np.int32)
        self.box_b = np.empty(wide, np.int32)
        self.int_band = np.empty(narrow, np.int32)
        self.float_a = np.empty(narrow, np.float32)
        self.float_b = np.empty(narrow, np.float32)
        self.float_c = np.empty(narrow, np.float32)

    @staticmethod
    def window_sums(pixels: np.ndarray, box: np.ndarray, count: int) -> np.ndarray:
        """Return the sums of the ``count`` rows of fully inside windows of a band of pixels."""
        out = window_sums(pixels, box[: len(pixels)])
        return out[PAD : PAD + count, PAD : out.shape[1] - PAD]


def ssim(a: FrameStats, b: FrameStats, scratch: Scratch | None = None) -> float:
    """Return the mean SSIM of two frames, as scikit-image's defaults define it."""
    s = scratch or Scratch(a.gray.shape)
    total = 0.0
    for first, count in bands(a.sums.shape[0], s.band_rows):
        rows = slice(first, first + count)
        pixels = slice(first, first + count + 2 * PAD)
        product = np.multiply(
            a.gray[pixels], b.gray[pixels], out=s.wide_u16[: count + 2 * PAD], dtype=np.uint16
        )  # x*y <= 65025
        cross = s.window_sums(product, s.box_a, count)
        sum_prod = np.multiply(a.sums[rows], b.sums[rows], out=s.int_band[:count])
        cross *= N
        cross -= sum_prod  # N * sum(x*y) - sum(x) * sum(y), exact
        numerator = scaled(sum_prod, 2 * MEAN_SQ_SCALE, C1, s.float_a[:count])  # 2 mu mu + C1
        numerator *= scaled(cross, 2 * VAR_SCALE, C2, s.float_b[:count])  # 2 cov + C2
        denominator = np.add(a.mean_sq[rows], b.mean_sq[rows], out=s.float_b[:count])
        denominator *= np.add(a.var[rows], b.var[rows], out=s.float_c[:count])
        numerator /= denominator
        total += cv2.sumElems(numerator)[0]
    return total / a.sums.size
