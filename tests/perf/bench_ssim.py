"""Benchmark: the compiled SSIM kernel against scikit-image, one pair of frames at a time.

Two gray frames of the benchmark clip (1080p, four frames apart, as the seed samples at 24 fps)
are compared by ``media_pipeline.metrics.ssim.mean_ssim`` and by scikit-image's
``structural_similarity``, alternating, on one thread. Prints the CPU milliseconds per pair
(medians), the ratio and the difference.

    .venv/bin/python -m tests.perf.bench_ssim [--runs 20]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import cv2
from skimage.metrics import structural_similarity

from media_pipeline.metrics.ssim import mean_ssim
from tests.clips import make_benchmark_clip


def gray_frames(clip: Path, indices: tuple[int, int]) -> list:
    """Return the frames at ``indices`` of ``clip`` in gray, as the seed converts them."""
    capture = cv2.VideoCapture(str(clip))
    frames = []
    for index in range(max(indices) + 1):
        ok, frame = capture.read()
        if not ok:
            raise SystemExit(f"{clip} has fewer than {max(indices) + 1} frames")
        if index in indices:
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    capture.release()
    return frames


def cpu_ms(function, *args) -> tuple[float, float]:
    """Return (CPU milliseconds of this thread, result) of one call."""
    start = time.thread_time()
    result = function(*args)
    return (time.thread_time() - start) * 1000, result


def main() -> None:
    """Make the clip if needed, time both implementations, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--clips", type=Path, default=Path(tempfile.gettempdir()) / "lockstep-bench"
    )
    args = parser.parse_args()
    args.clips.mkdir(parents=True, exist_ok=True)
    clip = args.clips / "bench_1080p_10s_10mbps.mp4"
    if not clip.exists():
        make_benchmark_clip(clip, width=1920, height=1080, seconds=10, mbps=10.0)
    a, b = gray_frames(clip, (96, 100))
    mean_ssim(a, b)  # load (or compile) the kernel outside the timings
    times: dict[str, list[float]] = {"kernel": [], "scikit-image": []}
    for _ in range(args.runs):
        elapsed, fast = cpu_ms(mean_ssim, a, b)
        times["kernel"].append(elapsed)
        elapsed, reference = cpu_ms(structural_similarity, a, b)
        times["scikit-image"].append(elapsed)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"frames {a.shape[1]}x{a.shape[0]}, {args.runs} runs, CPU of one thread per pair")
    for name, value in median.items():
        print(f"{name:13s} median {value:8.2f} ms")
    print(f"kernel vs scikit-image: x{median['scikit-image'] / median['kernel']:.1f} less CPU")
    print(f"SSIM {fast:.15f} vs {reference:.15f}: difference {abs(fast - reference):.1e}")


if __name__ == "__main__":
    main()
