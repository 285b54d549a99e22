"""Synthesize small test clips (and broken files) with the bundled ffmpeg.

Every helper takes the destination path first and returns it as a Path. ``make_clip`` covers the
videos that should work; the ``make_*`` helpers below it make the files that must be refused.

    from tests.clips import make_clip, make_truncated
    clip = make_clip(tmp_path / "a.mp4", kind="flicker", fps=12, seconds=1)
"""

import subprocess
from pathlib import Path

import imageio_ffmpeg

#: kind -> video filter applied to the moving test pattern (``{fps}``, ``{seconds}`` filled in).
KINDS = {
    "smooth": "",
    # A brightness drop on one frame in six: classic AI-video flicker.
    "flicker": "eq=brightness='if(eq(mod(n,6),3),-0.35,0)':eval=frame",
    # The first frame held for the whole clip.
    "static": "trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/{fps}/TB",
    # Same picture, negated from halfway: a hard cut.
    "scene_cut": "negate=enable='gte(t,{half})'",
    "black": "lutyuv=y=16:u=128:v=128",
    # The moving pattern out of focus.
    "blurred": "gblur=sigma=4",
    # Black for the middle third only.
    "black_middle": "lutyuv=y=16:u=128:v=128:enable='between(t,{third},{two_thirds})'",
}
#: Kinds that need their own handling in ``make_clip`` rather than a filter.
SPECIAL_KINDS = {"rotated", "ten_bit", "vfr", "surround", "anamorphic", "odd"}


def ffmpeg_exe() -> str:
    """Return the bundled ffmpeg executable."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly, raising with its stderr if it fails."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {' '.join(cmd)}\n{proc.stderr}")


def make_clip(
    path,
    *,
    kind: str = "smooth",
    width: int = 320,
    height: int = 180,
    fps: float = 24,
    seconds: float = 2,
    audio: bool = True,
    rotation: int = 90,
    faststart: bool = True,
    keyframe_seconds: float | None = None,
) -> Path:
    """Write an H.264 MP4 test clip of ``kind`` and return its path.

    Kinds: smooth (moving test pattern), flicker, static (frozen), scene_cut, black,
    black_middle, blurred, odd (odd ``width``/``height`` kept, 4:4:4 so H.264 accepts them),
    rotated (display matrix of ``rotation`` degrees), ten_bit (yuv420p10le), vfr (variable
    frame rate), surround (5.1 audio), anamorphic (4:3 pixels stored at ``width`` x
    ``height``). ``keyframe_seconds`` puts keyframes exactly that far apart (the player tests
    seek between them); by default x264 places them.
    """
    path = Path(path)
    if kind not in KINDS and kind not in SPECIAL_KINDS:
        raise ValueError(f"unknown clip kind {kind!r}")
    if kind == "rotated":
        plain = make_clip(
            path.with_suffix(".plain.mp4"),
            width=width,
            height=height,
            fps=fps,
            seconds=seconds,
            audio=audio,
        )
        run_ffmpeg(
            "-display_rotation:v:0",
            str(rotation),
            "-i",
            str(plain),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(path),
        )
        plain.unlink()
        return path
    args = [*_video_input(width, height, fps, seconds)]
    if audio:
        args += _audio_input(seconds, channels=6 if kind == "surround" else 2)
    chain = _video_filter(kind, fps, seconds)
    if width % 2 or height % 2:  # testsrc2 only draws even sizes
        chain = f"format=yuv444p,crop={width}:{height}:0:0,{chain}"
    args += ["-vf", chain, *_video_codec(kind)]
    if keyframe_seconds:
        gop = str(round(fps * keyframe_seconds))
        args += ["-g", gop, "-keyint_min", gop, "-sc_threshold", "0"]
    if kind == "vfr":
        args += ["-fps_mode", "passthrough"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "96k"]
    args += ["-t", str(seconds)]
    if faststart:
        args += ["-movflags", "+faststart"]
    run_ffmpeg(*args, str(path))
    return path


def _video_input(width: int, height: int, fps: float, seconds: float) -> list[str]:
    """Return ffmpeg input arguments for a moving test pattern."""
    size = f"{width + width % 2}x{height + height % 2}"
    source = f"testsrc2=size={size}:rate={fps}:duration={seconds}"
    return ["-f", "lavfi", "-i", source]


def _audio_input(seconds: float, *, channels: int) -> list[str]:
    """Return ffmpeg input arguments for a tone with ``channels`` channels (2 or 6)."""
    tones = "|".join(f"0.3*sin({330 + 110 * i}*2*PI*t)" for i in range(channels))
    layout = "5.1" if channels == 6 else "stereo"
    source = f"aevalsrc={tones}:channel_layout={layout}:sample_rate=48000:duration={seconds}"
    return ["-f", "lavfi", "-i", source]


def _video_filter(kind: str, fps: float, seconds: float) -> str:
    """Return the filter chain that turns the test pattern into ``kind``."""
    chain = KINDS.get(kind, "").format(
        fps=fps, half=seconds / 2, third=seconds / 3, two_thirds=2 * seconds / 3
    )
    extra = {
        # Frames 0.1 s apart, then 0.02 s apart: timestamps no constant rate can describe.
        "vfr": "setpts='(if(lt(N,{n}),N*0.1,{n}*0.1+(N-{n})*0.02))/TB'".format(
            n=max(2, int(fps * seconds / 4))
        ),
        "anamorphic": "setsar=4/3",
    }.get(kind, "")
    return ",".join(f for f in (chain, extra, "format=" + _pix_fmt(kind)) if f)


def _pix_fmt(kind: str) -> str:
    """Return the pixel format a kind is encoded in."""
    return {"ten_bit": "yuv420p10le", "odd": "yuv444p"}.get(kind, "yuv420p")


def _video_codec(kind: str) -> list[str]:
    """Return encoder arguments; small and quick, with B-frames like real uploads."""
    return ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", _pix_fmt(kind)]


# --- Files that must be refused ------------------------------------------------------------------


def make_truncated(path, *, fraction: float = 0.5, source=None) -> Path:
    """Write the first ``fraction`` of a valid MP4 (moov first) to ``path``."""
    path = Path(path)
    source = source or make_clip(path.with_suffix(".full.mp4"), seconds=2)
    data = Path(source).read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def make_audio_only(path, *, seconds: float = 1) -> Path:
    """Write an MP4 holding only an AAC track."""
    path = Path(path)
    run_ffmpeg(*_audio_input(seconds, channels=2), "-c:a", "aac", str(path))
    return path


def make_image_as_video(path) -> Path:
    """Write a PNG image under a video file name."""
    path = Path(path)
    run_ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64",
        "-frames:v",
        "1",
        "-f",
        "image2",
        "-c:v",
        "png",
        str(path),
    )
    return path


def make_text_file(path) -> Path:
    """Write a text file under a video file name."""
    path = Path(path)
    path.write_text("this is not a video\n")
    return path


def make_garbage(path, *, size: int = 4096, seed: int = 7) -> Path:
    """Write ``size`` random bytes."""
    import random

    path = Path(path)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def make_empty(path) -> Path:
    """Write an empty file."""
    path = Path(path)
    path.write_bytes(b"")
    return path


def make_single_frame(path) -> Path:
    """Write an MP4 with exactly one video frame."""
    path = Path(path)
    run_ffmpeg(*_video_input(64, 64, 24, 1), "-frames:v", "1", *_video_codec("smooth"), str(path))
    return path


def make_zero_fps(path) -> Path:
    """Write an MP4 whose frames all have zero duration, so it has no frame rate."""
    path = Path(path)
    clip = make_clip(path.with_suffix(".src.mp4"), seconds=1, audio=False)
    data = bytearray(clip.read_bytes())
    clip.unlink()
    at = data.index(b"stts")
    entries = int.from_bytes(data[at + 8 : at + 12], "big")
    for i in range(entries):
        delta = at + 12 + i * 8 + 4
        data[delta : delta + 4] = (0).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path


def make_benchmark_clip(
    path,
    *,
    width: int = 1920,
    height: int = 1080,
    fps: float = 24,
    seconds: float = 10,
    mbps: float | None = None,
) -> Path:
    """Write a large clip that decodes like a generated one: moving pattern plus light grain.

    The bit rate defaults to 10 Mb/s at 1080p, scaled by pixel count, what generators typically
    deliver (8-12 Mb/s); the seed quotes up to 20-50 MB per 5-second 1080p clip.
    """
    path = Path(path)
    mbps = mbps or 10 * width * height / (1920 * 1080)
    rate = f"{round(mbps * 1000)}k"
    run_ffmpeg(
        *_video_input(width, height, fps, seconds),
        *_audio_input(seconds, channels=2),
        "-vf",
        "noise=alls=6:allf=t,format=yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-b:v",
        rate,
        "-maxrate",
        rate,
        "-bufsize",
        rate,
        "-c:a",
        "aac",
        "-movflags",
        "+faststart",
        str(path),
    )
    return path
