"""The compiled SSIM kernel against scikit-image's structural_similarity, image by image."""

import numba
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from media_pipeline.metrics.ssim import compiled, mean_ssim

RNG = np.random.default_rng(7)


def noise(shape):
    return RNG.integers(0, 256, shape, dtype=np.uint8)


def blend(a, b, weight):
    return np.round(a * weight + b * (1 - weight)).astype(np.uint8)


SMOOTH = np.add.outer(np.arange(90), np.arange(160)).astype(np.uint8)
PAIRS = {
    "noise": (noise((60, 80)), noise((60, 80))),
    "similar": (SMOOTH, blend(SMOOTH, noise(SMOOTH.shape), 0.9)),
    "identical": (SMOOTH, SMOOTH.copy()),
    "black vs white": (np.zeros((20, 30), np.uint8), np.full((20, 30), 255, np.uint8)),
    "flat white": (np.full((20, 30), 255, np.uint8), np.full((20, 30), 255, np.uint8)),
    "extremes": (
        (noise((33, 41)) > 127).astype(np.uint8) * 255,
        (noise((33, 41)) > 127).astype(np.uint8) * 255,
    ),
    "smallest": (noise((7, 7)), noise((7, 7))),
    "odd and tall": (noise((181, 9)), noise((181, 9))),
}


@pytest.mark.parametrize("name", PAIRS)
def test_it_matches_scikit_image(name):
    a, b = PAIRS[name]
    assert mean_ssim(a, b) == pytest.approx(structural_similarity(a, b), abs=1e-12)


def test_it_is_symmetric_and_one_for_identical_frames():
    a, b = PAIRS["similar"]
    assert mean_ssim(a, b) == pytest.approx(mean_ssim(b, a), abs=1e-15)
    assert mean_ssim(a, a) == pytest.approx(1.0, abs=1e-15)


def test_views_that_are_not_contiguous_are_accepted():
    a, b = noise((40, 50)), noise((40, 50))
    expected = structural_similarity(a[:, ::2], b[:, ::2])
    assert mean_ssim(a[:, ::2], b[:, ::2]) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (np.zeros((6, 20), np.uint8), np.zeros((6, 20), np.uint8), "at least 7x7"),
        (np.zeros((9, 9), np.uint8), np.zeros((9, 10), np.uint8), "one size"),
        (np.zeros((9, 9, 3), np.uint8), np.zeros((9, 9, 3), np.uint8), "2-D"),
        (np.zeros((9, 9), np.uint16), np.zeros((9, 9), np.uint16), "8-bit"),
    ],
)
def test_unusable_images_are_refused_with_the_reason(a, b, message):
    with pytest.raises(ValueError, match=message):
        mean_ssim(a, b)


def test_without_a_writable_cache_directory_the_kernel_still_compiles(monkeypatch):
    monkeypatch.setattr(numba.core.caching.CacheImpl, "_locator_classes", [])
    with pytest.raises(RuntimeError, match="no locator available"):
        numba.njit(cache=True)(lambda x: x)

    assert compiled(_double)(21) == 42


def _double(x):
    return x * 2
