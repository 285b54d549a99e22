"""Transcode a source clip into the web tiers (standard, preview, poster) in one ffmpeg process.

One process decodes the source once and feeds a filtergraph (scaler) per tier, each on its own
thread, then an encoder per tier. Outputs are written under temporary names and renamed only
when ffmpeg succeeds, so a failure never leaves a half-written tier behind.
"""

import hashlib
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

from media_pipeline import ffmpeg
from media_pipeline.errors import InvalidMedia
from media_pipeline.probe import MediaInfo, probe, read_header, validate


@dataclass(frozen=True)
class TierSpec:
    """How one web tier is encoded: a bounding box (short x long side) and encoder settings."""

    name: str
    short_side: int
    long_side: int
    crf: int = 23
    preset: str = "medium"
    audio_bitrate: str = "128k"
    filename: str = ""


STANDARD = TierSpec("standard", 720, 1280, crf=23, audio_bitrate="128k", filename="standard.mp4")
#: "Heavily compressed": crf 32 is about a quarter of the standard tier's bits per pixel.
PREVIEW = TierSpec("preview", 480, 854, crf=32, audio_bitrate="64k", filename="preview.mp4")
VIDEO_TIERS = (STANDARD, PREVIEW)
POSTER_FILENAME = "poster.jpg"
#: mjpeg quality scale, 2 (best) to 31; 3 keeps posters sharp at about 60 KB for 720p.
POSTER_QUALITY = 3
#: Take the poster this far into the clip (capped) to skip fade-ins and the conditioning frame.
POSTER_POSITION = 0.25
POSTER_MAX_SECONDS = 2.0
#: Longest time between two keyframes of a web tier. A browser seek decodes from the keyframe at
#: or before the target, so this bounds what every seek costs; x264's default (250 frames, 10 s)
#: made a seek in a 5 s clip decode from its first frame. docs/media.md has the price in bytes.
KEYFRAME_SECONDS = 1.0


@dataclass(frozen=True)
class TierFile:
    """One file written by ``transcode_tiers``."""

    tier: str
    path: Path
    content_type: str
    width: int
    height: int
    fps: float
    duration: float
    codec: str
    bitrate: int
    size_bytes: int
    sha256: str
    #: Whether the written file has an audio track (read back from it, not assumed).
    has_audio: bool = False


def transcode_tiers(src, out_dir, info: MediaInfo | None = None) -> list[TierFile]:
    """Write the standard, preview and poster tiers of ``src`` into ``out_dir`` and return them.

    Probes and validates ``src`` first unless ``info`` is given. Raises InvalidMedia when the
    source can't be used; nothing is left in ``out_dir`` then.
    """
    src, out_dir = Path(src), Path(out_dir)
    if info is None:
        info = probe(src)
        validate(info)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = tier_plan(info)
    parts = {name: out_dir / f".{spec['filename']}.part" for name, spec in plan.items()}
    try:
        _run(transcode_command(src, info, plan, parts))
        return [_finish(name, plan[name], part, out_dir) for name, part in parts.items()]
    finally:
        for part in parts.values():
            part.unlink(missing_ok=True)


def fit_size(width: int, height: int, short_side: int, long_side: int) -> tuple[int, int]:
    """Return even dimensions that fit the box, keep the aspect ratio and never upscale."""
    scale = min(1.0, short_side / min(width, height), long_side / max(width, height))
    return _even(width * scale), _even(height * scale)


def _even(value: float) -> int:
    """Round to the nearest integer, then down to an even number (at least 2)."""
    return max(2, int(round(value)) // 2 * 2)


def tier_plan(info: MediaInfo) -> dict[str, dict]:
    """Return the size and settings of every tier for a source described by ``info``."""
    plan = {}
    for spec in VIDEO_TIERS:
        width, height = fit_size(info.width, info.height, spec.short_side, spec.long_side)
        plan[spec.name] = {
            "spec": spec,
            "width": width,
            "height": height,
            "filename": spec.filename,
        }
    standard = plan[STANDARD.name]
    plan["poster"] = {
        "spec": None,
        "width": standard["width"],
        "height": standard["height"],
        "filename": POSTER_FILENAME,
        "frame": poster_frame(info),
    }
    return plan


def poster_frame(info: MediaInfo) -> int:
    """Return the index of the frame used as the poster."""
    seconds = min(info.duration * POSTER_POSITION, POSTER_MAX_SECONDS)
    last = max(0, (info.frame_count or round(info.duration * info.fps)) - 1)
    return min(last, int(seconds * info.fps))


def transcode_command(src: Path, info: MediaInfo, plan: dict, parts: dict) -> list[str]:
    """Return the ffmpeg arguments that write every tier from a single decode.

    Each tier gets its own filtergraph fed by the one decoder: ffmpeg runs every filtergraph in
    its own thread, so the scalers work in parallel instead of in turn behind one ``split``.
    Encoders keep x264's automatic thread count, which measured best (least CPU, shortest wall
    time) on two cores against fixed counts; see docs/media.md.
    """
    args = ["-y", "-i", str(src)]
    for name, entry in plan.items():
        args += ["-filter_complex", f"[0:v:0]{tier_filter(entry)}[out_{name}]"]
    for name, entry in plan.items():
        args += output_args(name, entry, info) + [str(parts[name])]
    return args


def tier_filter(entry: dict) -> str:
    """Return the filter chain of one tier: scale with square pixels, 8-bit 4:2:0."""
    size = f"scale={entry['width']}:{entry['height']}:flags=bicubic,setsar=1"
    if entry["spec"] is None:
        return f"select='eq(n\\,{entry['frame']})',{size},format=yuvj420p"
    return f"{size},format=yuv420p"


def output_args(name: str, entry: dict, info: MediaInfo) -> list[str]:
    """Return the output options of one tier."""
    common = ["-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn"]
    if entry["spec"] is None:
        return [
            "-map",
            f"[out_{name}]",
            *common,
            "-frames:v",
            "1",
            "-c:v",
            "mjpeg",
            "-q:v",
            str(POSTER_QUALITY),
            "-f",
            "image2",
            "-update",
            "1",
        ]
    spec = entry["spec"]
    args = [
        "-map",
        f"[out_{name}]",
        *common,
        "-c:v",
        "libx264",
        "-preset",
        spec.preset,
        "-crf",
        str(spec.crf),
        "-profile:v",
        "high",
        *keyframe_args(info.fps),
        # Keep variable frame rates as they are, on the filter's fine time base.
        "-fps_mode:v",
        "vfr",
        "-enc_time_base:v",
        "filter",
    ]
    if info.has_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", spec.audio_bitrate, "-ac", "2"]
    return [*args, "-movflags", "+faststart", "-f", "mp4"]


def keyframe_interval(fps: float) -> int:
    """Return the most frames between two keyframes that still span at most KEYFRAME_SECONDS."""
    return max(1, math.floor(fps * KEYFRAME_SECONDS + 1e-6))


def keyframe_args(fps: float) -> list[str]:
    """Return x264 options for a closed GOP with a keyframe at least every KEYFRAME_SECONDS.

    Scene cuts still add keyframes (and restart the count); a closed GOP lets every keyframe be a
    clean seek point, as no B-frame after it refers to a frame before it.
    """
    return ["-g", str(keyframe_interval(fps)), "-flags", "+cgop"]


def _run(args: list[str]) -> None:
    """Run ffmpeg; raise InvalidMedia with its last error line if it fails."""
    try:
        proc = ffmpeg.run(*args)
    except subprocess.TimeoutExpired:
        raise InvalidMedia(f"transcoding took over {ffmpeg.DEFAULT_TIMEOUT} s") from None
    if proc.returncode != 0:
        raise InvalidMedia(f"transcoding failed: {ffmpeg.last_error_line(proc.stderr)}")


def _finish(name: str, entry: dict, part: Path, out_dir: Path) -> TierFile:
    """Move a finished part file into place and describe it."""
    if not part.exists() or part.stat().st_size == 0:
        raise InvalidMedia(f"transcoding wrote no {name} file")
    final = out_dir / entry["filename"]
    part.replace(final)
    size, digest = _size_and_sha256(final)
    if entry["spec"] is None:
        return TierFile(
            name,
            final,
            "image/jpeg",
            entry["width"],
            entry["height"],
            0.0,
            0.0,
            "jpeg",
            0,
            size,
            digest,
        )
    header = read_header(final)
    return TierFile(
        tier=name,
        path=final,
        content_type="video/mp4",
        width=entry["width"],
        height=entry["height"],
        fps=header.video["fps"] if header.video else 0.0,
        duration=header.duration,
        codec="h264",
        bitrate=header.bitrate,
        size_bytes=size,
        sha256=digest,
        has_audio=header.audio is not None,
    )


def _size_and_sha256(path: Path) -> tuple[int, str]:
    """Return the size and SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
