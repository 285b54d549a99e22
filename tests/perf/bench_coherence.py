"""Benchmark: temporal coherence vs the seed's straightforward code vs ffmpeg decoding alone.

On a 10 s 1080p 24 fps clip, in rounds that alternate the contenders (so background load hits
all alike), measure:

- ``reference``: tests/perf/reference_coherence.py (OpenCV reads every frame, skimage SSIM);
- ``fast``: media_pipeline.metrics.temporal_coherence;
- ``score``: media_pipeline.metrics.score_video (coherence plus motion, flicker, sharpness);
- ``decode``: ffmpeg alone decoding every frame into bgr24, the pixel format ``fast`` reads.

Prints medians (wall and CPU, children included), the ratios, and the largest difference
between the fast and reference numbers.

    .venv/bin/python -m tests.perf.bench_coherence [--runs 5] [--reference-runs 3]

Targets (issue 3): fast >= 6x faster than the reference, and within 1.5x of decode.
"""

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from media_pipeline import ffmpeg
from media_pipeline.metrics import score_video, temporal_coherence
from tests.clips import make_benchmark_clip
from tests.perf.reference_coherence import reference_coherence


def cpu_seconds() -> float:
    """Return CPU seconds used so far by this process and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def decode_only(path: Path) -> None:
    """Decode every frame into bgr24 with ffmpeg and throw the pixels away."""
    subprocess.run(
        ffmpeg.command(
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-pix_fmt",
            "bgr24",
            "-f",
            "null",
            "-",
        ),
        check=True,
        timeout=600,
    )


def timed(function, path: Path):
    """Run ``function(path)``; return (wall seconds, CPU seconds, result)."""
    cpu, start = cpu_seconds(), time.perf_counter()
    result = function(path)
    return time.perf_counter() - start, cpu_seconds() - cpu, result


def main() -> None:
    """Make the clip if needed, run the rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reference-runs", type=int, default=3)
    parser.add_argument(
        "--clips", type=Path, default=Path(tempfile.gettempdir()) / "lockstep-bench"
    )
    parser.add_argument(
        "--mbps", type=float, default=10.0, help="bit rate of the 1080p clip (720p: scaled down)"
    )
    args = parser.parse_args()
    args.clips.mkdir(parents=True, exist_ok=True)
    clip = args.clips / f"bench_1080p_10s_{args.mbps:g}mbps.mp4"
    if not clip.exists():
        make_benchmark_clip(clip, width=1920, height=1080, seconds=10, mbps=args.mbps)
    print(f"cores: {ffmpeg.cpu_count()}, load average: {os.getloadavg()[0]:.2f}, clip: {clip}")
    contenders = {
        "decode": decode_only,
        "fast": temporal_coherence,
        "score": score_video,
        "reference": reference_coherence,
    }
    times: dict[str, list] = {name: [] for name in contenders}
    results = {}
    for round_number in range(args.runs):
        for name, function in contenders.items():
            if name == "reference" and round_number >= args.reference_runs:
                continue
            wall, cpu, results[name] = timed(function, clip)
            times[name].append((wall, cpu))
    report(times, results)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def report(times: dict, results: dict) -> None:
    """Print medians, ratios and agreement."""
    wall = {name: statistics.median(w for w, _ in rows) for name, rows in times.items()}
    cpu = {name: statistics.median(c for _, c in rows) for name, rows in times.items()}
    for name in times:
        print(
            f"{name:9s} median wall {wall[name]:7.2f} s  CPU {cpu[name]:7.2f} s  "
            f"({len(times[name])} runs)"
        )
    print(
        f"fast vs reference: x{wall['reference'] / wall['fast']:.1f} faster (wall), "
        f"x{cpu['reference'] / cpu['fast']:.1f} (CPU)"
    )
    print(
        f"fast vs ffmpeg decode alone: x{wall['fast'] / wall['decode']:.2f} (wall), "
        f"x{cpu['fast'] / cpu['decode']:.2f} (CPU)"
    )
    print(f"score_video vs decode alone: x{wall['score'] / wall['decode']:.2f} (wall)")
    fast, reference = results["fast"], results["reference"]
    worst = max(abs(fast[key] - reference[key]) for key in fast)
    print(
        f"largest difference from the reference: {worst:.2e} "
        f"(frame_count {fast['frame_count']} vs {reference['frame_count']})"
    )


if __name__ == "__main__":
    main()
