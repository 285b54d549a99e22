"""Probe a media file and check it against the site's limits.

``probe`` reads the container's and streams' metadata through PyAV (libavformat's structured
fields, not the text ffmpeg prints), then has the bundled ffmpeg copy every video packet to the
null muxer (no decoding, only reading) to find truncated or corrupt files and to count frames.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av

from media_pipeline import ffmpeg
from media_pipeline.errors import InvalidMedia

#: Defaults used when Django settings don't define the limit.
DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_MAX_DURATION = 120  # as config.settings.base.MEDIA_MAX_DURATION
DEFAULT_MAX_DIMENSION = 4096
MIN_DIMENSION = 16
MAX_FPS = 240.0

#: Lines the demuxer or parser prints when the data ends early or is damaged.
DAMAGE = re.compile(
    r"partial file|corrupt|Invalid NAL|invalid data|error while decoding|truncat|"
    r"missing picture|Error during demuxing",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MediaInfo:
    """What a media file holds; ``width`` and ``height`` are the display size (rotation and
    non-square pixels applied), ``fps`` is the average frame rate."""

    container: str
    video_codec: str
    width: int
    height: int
    fps: float
    duration: float
    rotation: int
    pix_fmt: str
    bit_depth: int
    has_audio: bool
    audio_codec: str
    audio_channels: int
    bitrate: int
    size_bytes: int
    frame_count: int = 0
    coded_width: int = 0
    coded_height: int = 0


def probe(path) -> MediaInfo:
    """Return what ``path`` holds, or raise InvalidMedia saying why it is not a usable video."""
    path = Path(path)
    size = _size(path)
    header = read_header(path)
    frames, seconds, stderr = _scan_packets(path)
    _check_integrity(header, frames, seconds, stderr)
    return _media_info(header, size, frames, seconds)


def validate(info: MediaInfo) -> None:
    """Raise InvalidMedia if ``info`` is outside the limits set in Django settings."""
    max_bytes, max_duration, max_dimension = _limits()
    if info.size_bytes > max_bytes:
        raise InvalidMedia(
            f"file is {info.size_bytes / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit"
        )
    if not info.fps or info.fps <= 0:
        raise InvalidMedia("video has no frame rate (zero or missing in the file)")
    if info.fps > MAX_FPS:
        raise InvalidMedia(f"video frame rate {info.fps:g} fps is above {MAX_FPS:g} fps")
    if info.duration <= 0:
        raise InvalidMedia("video has zero duration")
    if info.duration > max_duration:
        raise InvalidMedia(f"video lasts {info.duration:.1f} s, over the {max_duration:g} s limit")
    if max(info.width, info.height) > max_dimension:
        raise InvalidMedia(
            f"video is {info.width}x{info.height}, over the {max_dimension} px limit"
        )
    if min(info.width, info.height) < MIN_DIMENSION:
        raise InvalidMedia(
            f"video is {info.width}x{info.height}, under the {MIN_DIMENSION} px minimum"
        )


def _limits() -> tuple[int, float, int]:
    """Return (max bytes, max seconds, max pixels per side) from settings or defaults."""
    from django.conf import settings

    if not settings.configured:
        return DEFAULT_MAX_BYTES, DEFAULT_MAX_DURATION, DEFAULT_MAX_DIMENSION
    return (
        getattr(settings, "MEDIA_MAX_BYTES", DEFAULT_MAX_BYTES),
        getattr(settings, "MEDIA_MAX_DURATION", DEFAULT_MAX_DURATION),
        getattr(settings, "MEDIA_MAX_DIMENSION", DEFAULT_MAX_DIMENSION),
    )


def _size(path: Path) -> int:
    """Return the size of ``path``; raise InvalidMedia if it is missing or empty."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidMedia(f"file not found: {path}") from None
    if not path.is_file():
        raise InvalidMedia(f"not a regular file: {path}")
    if size == 0:
        raise InvalidMedia("file is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise InvalidMedia(f"file is not readable: {path}")
    return size


# --- Reading the stream metadata (PyAV) ---------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The parts of the container's and streams' metadata the pipeline uses."""

    container: str
    duration: float
    bitrate: int
    video: dict | None
    audio: dict | None


def read_header(path) -> Header:
    """Return the container's and streams' metadata for ``path`` without reading its packets.

    PyAV hands over libavformat's structured fields (codec, size, rates as fractions, the display
    matrix), which stay put across ffmpeg versions, unlike the text ffmpeg prints about them.
    """
    try:
        container = av.open(str(path))
    except av.FFmpegError as exc:
        # strerror, not str(exc): PyAV appends the file name, which means nothing to the uploader.
        reason = exc.strerror or type(exc).__name__
        raise InvalidMedia(f"not a video file: ffmpeg cannot read it ({reason})") from None
    with container:
        streams = list(container.streams)
        # Cover art is a video stream too, flagged attached_pic; the clip is the first other one.
        cover_art = av.stream.Disposition.attached_pic
        video = next(
            (s for s in streams if s.type == "video" and not s.disposition & cover_art), None
        )
        audio = next((s for s in streams if s.type == "audio"), None)
        return Header(
            container=_container_name(container),
            duration=container.duration / av.time_base if container.duration else 0.0,
            bitrate=container.bit_rate or 0,
            video=_video(container, video) if video is not None else None,
            audio=_audio(audio) if audio is not None else None,
        )


def _container_name(container) -> str:
    """Return a short container name ("mp4", "mov", "matroska", ...) from the demuxer's names."""
    names = container.format.name.split(",")
    if "mp4" in names:
        return "mov" if container.metadata.get("major_brand", "").strip() == "qt" else "mp4"
    return names[0]


def _video(container, stream) -> dict:
    """Describe a video stream from its codec parameters and its first frame's display matrix."""
    codec = stream.codec_context
    sar = stream.sample_aspect_ratio or codec.sample_aspect_ratio
    return {
        "codec": codec.name,
        "pix_fmt": codec.pix_fmt or "",
        "width": codec.width or 0,
        "height": codec.height or 0,
        "sar": (sar.numerator, sar.denominator) if sar else (1, 1),
        "fps": _rate(stream.average_rate),
        "tbr": _rate(stream.base_rate),
        "rotation": _rotation(container, stream),
        "bitrate": codec.bit_rate or 0,
    }


def _audio(stream) -> dict:
    """Describe an audio stream."""
    codec = stream.codec_context
    return {"codec": codec.name, "channels": codec.channels or 0}


def _rate(rate) -> float:
    """Return a stream rate (a fraction, maybe n/0 or missing) in frames per second, else 0."""
    if not rate or not rate.denominator:
        return 0.0
    return float(rate)


def _rotation(container, stream) -> int:
    """Return the clockwise rotation a player applies (0, 90, 180, 270) from the display matrix.

    PyAV exposes the stream's display matrix on decoded frames, so this decodes the first one.
    A stream that cannot be decoded reads as unrotated; the packet scan reports the damage.
    """
    try:
        frame = next(container.decode(stream), None)
    except (av.FFmpegError, StopIteration):
        return 0
    return round(frame.rotation) % 360 if frame is not None else 0


def keyframe_times(path) -> list[float]:
    """Return the presentation times (s) of the video keyframes of ``path``, in order.

    Decodes only the keyframes (``-skip_frame nokey``) and reads their times from ``showinfo``.
    """
    proc = ffmpeg.run(
        "-skip_frame", "nokey", "-i", str(path), "-map", "0:v:0", "-vf", "showinfo",
        "-fps_mode", "passthrough", "-f", "null", "-", timeout=300,
    )  # fmt: skip
    return [float(t) for t in re.findall(r"pts_time:\s*(-?[\d.]+)", proc.stderr)]


# --- Reading every packet ------------------------------------------------------------------------


def _scan_packets(path: Path) -> tuple[int, float, str]:
    """Copy the video packets to nowhere; return (frames, seconds reached, ffmpeg's stderr)."""
    try:
        proc = ffmpeg.run(
            "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-", timeout=300
        )
    except subprocess.TimeoutExpired:
        raise InvalidMedia("reading the file took over 5 minutes; it is likely damaged") from None
    stats = re.findall(r"frame=\s*(\d+).*?time=\s*(-?[\d:.]+|N/A)", proc.stderr)
    if not stats:
        return 0, 0.0, proc.stderr
    frames, clock = stats[-1]
    return int(frames), _clock_seconds(clock), proc.stderr


def _clock_seconds(clock: str) -> float:
    """Convert ffmpeg's HH:MM:SS.ss progress clock to seconds."""
    if clock == "N/A" or clock.startswith("-"):
        return 0.0
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _check_integrity(header: Header, frames: int, seconds: float, stderr: str) -> None:
    """Raise InvalidMedia if the file has no video, is a still image, or ends early."""
    if header.video is None:
        kind = "audio only" if header.audio else "no streams ffmpeg can use"
        raise InvalidMedia(f"file has no video stream ({kind})")
    if header.container.endswith("_pipe") or header.container == "image2":
        raise InvalidMedia(f"file is a still image ({header.video['codec']}), not a video")
    # Only ffmpeg's log lines ("[mov,mp4 @ 0x..] ...") count: the summary repeats the file name.
    logs = [line for line in stderr.splitlines() if line.startswith("[")]
    damage = next((line for line in logs if DAMAGE.search(line)), None)
    if damage:
        detail = re.sub(r"^\[[^\]]*\]\s*", "", damage.strip())  # without "[mov,mp4 @ 0x..] "
        raise InvalidMedia(f"file is truncated or corrupt: {detail}")
    if frames < 2:
        raise InvalidMedia(f"video has {frames} frame{'s' * (frames != 1)}; need at least 2")
    if not header.video["tbr"] or seconds <= 0:
        raise InvalidMedia("video has no frame rate: its frames carry no usable timestamps")
    # Packets must reach close to the declared end: a cut file can still parse cleanly.
    if header.duration and seconds < header.duration * 0.9 - 0.5:
        raise InvalidMedia(
            f"file is truncated: video data stops at {seconds:.1f} s of {header.duration:.1f} s"
        )


def _media_info(header: Header, size: int, frames: int, seconds: float) -> MediaInfo:
    """Assemble MediaInfo from the parsed summary and the packet scan."""
    video, audio = header.video, header.audio
    width, height = _display_size(video)
    duration = header.duration or seconds
    fps = video["fps"] or (frames / duration if duration else 0.0)
    return MediaInfo(
        container=header.container,
        video_codec=video["codec"],
        width=width,
        height=height,
        fps=fps,
        duration=duration,
        rotation=video["rotation"],
        pix_fmt=video["pix_fmt"],
        bit_depth=bit_depth(video["pix_fmt"]),
        has_audio=audio is not None,
        audio_codec=audio["codec"] if audio else "",
        audio_channels=audio["channels"] if audio else 0,
        bitrate=header.bitrate or video["bitrate"],
        size_bytes=size,
        frame_count=frames,
        coded_width=video["width"],
        coded_height=video["height"],
    )


def _display_size(video: dict) -> tuple[int, int]:
    """Return the size a player shows: sample aspect ratio applied, then rotation."""
    width, height = video["width"], video["height"]
    num, den = video["sar"]
    if num and den and num != den:
        width = round(width * num / den)
    if video["rotation"] in (90, 270):
        width, height = height, width
    return width, height


def bit_depth(pix_fmt: str) -> int:
    """Return bits per component of an ffmpeg pixel format name ("yuv420p10le" -> 10)."""
    match = re.search(r"p(\d{2})(?:le|be)?$", pix_fmt) or re.search(r"(\d{2})(?:le|be)$", pix_fmt)
    return int(match.group(1)) if match else 8
