"""Benchmark: all tiers from one ffmpeg process vs one ffmpeg process per tier (the seed's way).

Both use exactly the same filters and encoder settings (built from the same tier plan); the
straightforward way decodes the source once per tier. Runs alternate between the two ways so
background load hits both alike; medians are printed with the ratio.

    .venv/bin/python -m tests.perf.bench_transcode [--runs 5] [--clips DIR]

Targets (issue 3): at least 1.15x faster on a 10 s 1080p clip, not slower on a 10 s 720p clip.
"""

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from media_pipeline import ffmpeg
from media_pipeline.probe import probe
from media_pipeline.transcode import output_args, tier_filter, tier_plan, transcode_tiers
from tests.clips import make_benchmark_clip


def children_cpu() -> float:
    """Return the CPU seconds used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_pass(src: Path, out: Path, info) -> None:
    """Write every tier with the pipeline's single ffmpeg process."""
    transcode_tiers(src, out, info=info)


def per_tier(src: Path, out: Path, info) -> None:
    """Write every tier with its own ffmpeg process, each decoding the source again."""
    out.mkdir(parents=True, exist_ok=True)
    for name, entry in tier_plan(info).items():
        graph = f"[0:v:0]{tier_filter(entry)}[out_{name}]"
        args = [
            "-y",
            "-i",
            str(src),
            "-filter_complex",
            graph,
            *output_args(name, entry, info),
            str(out / entry["filename"]),
        ]
        proc = ffmpeg.run(*args)
        if proc.returncode != 0:
            raise RuntimeError(ffmpeg.last_error_line(proc.stderr))


def measure(way, src: Path, info, scratch: Path) -> tuple[float, float, int]:
    """Run one way once; return (wall seconds, child CPU seconds, bytes written)."""
    out = scratch / way.__name__
    shutil.rmtree(out, ignore_errors=True)
    cpu, start = children_cpu(), time.perf_counter()
    way(src, out, info)
    wall = time.perf_counter() - start
    written = sum(path.stat().st_size for path in out.iterdir())
    return wall, children_cpu() - cpu, written


def bench(src: Path, runs: int, scratch: Path) -> dict:
    """Return median wall/CPU seconds and output bytes of both ways on ``src``."""
    info = probe(src)
    results: dict[str, list] = {"one_pass": [], "per_tier": []}
    for _ in range(runs):
        for way in (one_pass, per_tier):
            results[way.__name__].append(measure(way, src, info, scratch))
    return {
        name: {
            "wall": statistics.median(r[0] for r in rows),
            "cpu": statistics.median(r[1] for r in rows),
            "bytes": rows[-1][2],
        }
        for name, rows in results.items()
    }


def main() -> None:
    """Make the clips if needed, run the benchmark, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--clips", type=Path, default=Path(tempfile.gettempdir()) / "lockstep-bench"
    )
    parser.add_argument(
        "--mbps", type=float, default=10.0, help="bit rate of the 1080p clip (720p: scaled down)"
    )
    args = parser.parse_args()
    args.clips.mkdir(parents=True, exist_ok=True)
    print(f"cores: {ffmpeg.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    for label, (width, height) in (("1080p", (1920, 1080)), ("720p", (1280, 720))):
        mbps = args.mbps * width * height / (1920 * 1080)
        src = args.clips / f"bench_{label}_10s_{mbps:.3g}mbps.mp4"
        if not src.exists():
            make_benchmark_clip(src, width=width, height=height, seconds=10, mbps=mbps)
        with tempfile.TemporaryDirectory() as scratch:
            figures = bench(src, args.runs, Path(scratch))
        single, separate = figures["one_pass"], figures["per_tier"]
        print(
            f"{label} 10 s, median of {args.runs}: "
            f"one process {single['wall']:.2f} s wall / {single['cpu']:.2f} s CPU, "
            f"one per tier {separate['wall']:.2f} s wall / {separate['cpu']:.2f} s CPU, "
            f"speed-up x{separate['wall'] / single['wall']:.2f} wall, "
            f"x{separate['cpu'] / single['cpu']:.2f} CPU; "
            f"output bytes {single['bytes']} vs {separate['bytes']}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
