"""Generate small test clips with the bundled ffmpeg: a moving test pattern plus a tone."""

import subprocess
from pathlib import Path

import imageio_ffmpeg


def make_clip(
    path: Path,
    *,
    fps: int,
    seconds: float,
    size: str = "640x360",
    keyframe_seconds: float = 10,
    preset: str = "ultrafast",
) -> Path:
    """Write an H.264 + AAC mp4 (faststart) whose keyframes are `keyframe_seconds` apart."""
    gop = int(round(fps * keyframe_seconds))
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", "-b:v", "600k",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "64k", "-ac", "2",
        "-movflags", "+faststart", "-shortest", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=120)
    return path
