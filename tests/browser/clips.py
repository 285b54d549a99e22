"""Clips only the player tests need (every frame showing its index, flat greys); the ordinary
test clip is `tests.clips.make_clip`, shared by all tests."""

import subprocess
from pathlib import Path

import imageio_ffmpeg


def make_counter_clip(path: Path, *, fps: int, seconds: float) -> Path:
    """Write a clip whose every frame shows its own index, read back by `FRAME_INDEX_JS`.

    The left half's grey level is the index mod 16, the right half's the index // 16 (16 steps of
    13 luma levels each: far apart enough to survive compression). Encoded by the site's own
    transcoder, so keyframes are as the site serves them.
    """
    from media_pipeline.transcode import STANDARD, transcode_tiers

    lum = "16+13*if(lt(X,W/2),mod(N,16),mod(floor(N/16),16))"
    src = path.with_suffix(".src.mp4")
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", f"color=c=black:size=320x180:rate={fps}:duration={seconds}",
        "-vf", f"geq=lum='{lum}':cb=128:cr=128,format=yuv420p",
        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(src),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=120)
    out = path.with_suffix("")
    transcode_tiers(src, out)
    (out / STANDARD.filename).replace(path)
    return path


#: Page function: the frame index each clip shows now (drawn to a canvas, read back).
FRAME_INDEX_JS = """() => comparePlayer.videos.map((v) => {
  const c = document.createElement("canvas");
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext("2d", { willReadFrequently: true });
  g.drawImage(v, 0, 0);
  const level = (x) => g.getImageData(x, c.height >> 1, 1, 1).data[1];
  const digit = (x) => Math.round(level(x) / (255 / 219) / 13);
  return digit(c.width >> 2) + 16 * digit((3 * c.width) >> 2);
})"""


def make_grey_clip(path: Path, *, grey: int, size: str = "320x180", fps: int = 24) -> Path:
    """Write a 2 s clip of one flat grey (0-255), for a known difference between two clips."""
    colour = f"0x{grey:02x}{grey:02x}{grey:02x}"
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", f"color=c={colour}:size={size}:rate={fps}:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-qp", "0",
        "-movflags", "+faststart", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=120)
    return path
