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
