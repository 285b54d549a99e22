"""What a keyframe every second costs in bytes: the web tiers with and without it.

    .venv/bin/python -m tests.perf.bench_keyframes [--seconds 5]

Transcodes footage that compresses like camera or generated video (full-frame motion, fine
detail, temporal grain) through `transcode_tiers` twice: as shipped (closed GOP, a keyframe at
least every KEYFRAME_SECONDS) and with x264's default spacing (250 frames). Prints the size of the
standard and preview tiers and the ratio. There is no real footage on the development machine
and no internet, so the sources are synthesized with ffmpeg; see docs/media.md for the figures.
"""

import argparse
import tempfile
from pathlib import Path
from unittest import mock

from media_pipeline import transcode
from media_pipeline.probe import keyframe_times, probe
from tests.clips import run_ffmpeg

#: name -> lavfi source at 1080p24: what a viewer would call real-looking motion.
FOOTAGE = {
    # a continuous zoom into fine detail with sensor grain: every pixel moves, like a dolly shot
    "zoom + grain": "mandelbrot=size=1920x1080:rate=24:maxiter=300,noise=alls=8:allf=t",
    # a slow drifting gradient with grain: little motion, like a locked-off shot of sky or a wall
    "slow + grain": "gradients=size=1920x1080:rate=24:speed=0.02,noise=alls=2:allf=t",
    # a moving test pattern with text and edges: motion graphics
    "pattern": "testsrc2=size=1920x1080:rate=24",
}


def make_source(path: Path, graph: str, seconds: float) -> Path:
    run_ffmpeg(
        "-f", "lavfi", "-i", f"{graph},format=yuv420p", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", str(path),
    )  # fmt: skip
    return path


def sizes(src: Path, out: Path, *, default_spacing: bool) -> dict[str, tuple[int, int]]:
    """Return tier -> (bytes, keyframes) for one transcode."""
    if default_spacing:
        with mock.patch.object(transcode, "keyframe_args", return_value=[]):
            tiers = transcode.transcode_tiers(src, out, info=probe(src))
    else:
        tiers = transcode.transcode_tiers(src, out, info=probe(src))
    return {
        t.tier: (t.size_bytes, len(keyframe_times(t.path))) for t in tiers if t.tier != "poster"
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    print(f"{'footage':14}{'tier':10}{'x264 default':>22}{'keyframe every 1 s':>24}{'cost':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i, (name, graph) in enumerate(FOOTAGE.items()):
            src = make_source(tmp / f"src{i}.mp4", graph, args.seconds)
            before = sizes(src, tmp / f"default{i}", default_spacing=True)
            after = sizes(src, tmp / f"short{i}", default_spacing=False)
            for tier in ("standard", "preview"):
                (b, bk), (a, ak) = before[tier], after[tier]
                print(
                    f"{name:14}{tier:10}{b / 1e3:>12,.0f} kB {bk:>2} kf"
                    f"{a / 1e3:>14,.0f} kB {ak:>2} kf{(a / b - 1) * 100:>+7.1f}%"
                )


if __name__ == "__main__":
    main()
