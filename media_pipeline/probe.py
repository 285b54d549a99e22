"""Probe a media file with the bundled ffmpeg and check it against the site's limits.

There is no ffprobe in imageio-ffmpeg, so ``probe`` reads the stream summary ffmpeg prints for its
input and then copies every video packet to the null muxer (no decoding, only reading) to find
truncated or corrupt files and to count frames.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from media_pipeline import ffmpeg
from media_pipeline.errors import InvalidMedia

#: Defaults used when Django settings don't define the limit.
DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_MAX_DURATION = 120  # as config.settings.base.MEDIA_MAX_DURATION
DEFAULT_MAX_DIMENSION = 4096
MIN_DIMENSION = 16
MAX_FPS = 240.0

#: ffmpeg prints rounded rates ("29.97"); snap them back to the exact NTSC fractions.
NTSC_RATES = [n * 1000 / 1001 for n in (24, 30, 48, 60, 120)]

CHANNELS_BY_LAYOUT = {
    "mono": 1,
    "stereo": 2,
    "downmix": 2,
    "2.1": 3,
    "3.0": 3,
    "3.0(back)": 3,
    "4.0": 4,
    "quad": 4,
    "quad(side)": 4,
    "3.1": 4,
    "4.1": 5,
    "5.0": 5,
    "5.0(side)": 5,
    "5.1": 6,
    "5.1(side)": 6,
    "6.0": 6,
    "6.1": 7,
    "7.0": 7,
    "7.1": 8,
    "7.1(wide)": 8,
    "7.1(wide-side)": 8,
}

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


# --- Reading ffmpeg's stream summary ------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The parts of ffmpeg's input summary the pipeline uses."""

    container: str
    duration: float
    bitrate: int
    video: dict | None
    audio: dict | None


def read_header(path) -> Header:
    """Return the stream summary ffmpeg prints for ``path`` without reading its packets."""
    proc = ffmpeg.run("-i", str(path), timeout=60)
    return parse_header(proc.stderr)


def parse_header(stderr: str) -> Header:
    """Parse ffmpeg's input summary; raise InvalidMedia if ffmpeg could not open the input."""
    match = re.search(r"^Input #0, (.+?), from ", stderr, re.MULTILINE)
    if not match:
        raise InvalidMedia(f"not a video file: ffmpeg cannot read it ({_open_error(stderr)})")
    container = _container_name(match.group(1), stderr)
    blocks = _stream_blocks(stderr)
    video = next((_video(b) for b in blocks if _is_video(b)), None)
    audio = next((_audio(b) for b in blocks if " Audio: " in b[0]), None)
    return Header(container, _duration(stderr), _bitrate(stderr), video, audio)


def _open_error(stderr: str) -> str:
    """Return ffmpeg's reason for refusing an input, shortened."""
    for line in stderr.splitlines():
        if "Error opening input:" in line:
            return line.split("Error opening input:", 1)[1].strip()
    return ffmpeg.last_error_line(stderr)


def _container_name(demuxers: str, stderr: str) -> str:
    """Return a short container name ("mp4", "mov", "matroska", ...) from the demuxer list."""
    names = demuxers.split(",")
    if "mp4" in names:
        brand = re.search(r"major_brand\s*:\s*(\S+)", stderr)
        return "mov" if brand and brand.group(1) == "qt" else "mp4"
    return names[0]


def _stream_blocks(stderr: str) -> list[list[str]]:
    """Split the summary of input 0 into one list of lines per stream."""
    blocks: list[list[str]] = []
    for line in stderr.splitlines():
        if line.startswith(("Stream mapping:", "Output #", "Press [q]")):
            break
        if re.match(r"\s+Stream #0:\d+", line):
            blocks.append([line])
        elif blocks and line.startswith("      "):
            blocks[-1].append(line)
    return blocks


def _is_video(block: list[str]) -> bool:
    """Say whether a stream block is a real video track (not cover art)."""
    return " Video: " in block[0] and "(attached pic)" not in block[0]


def _fields(line: str, kind: str) -> list[str]:
    """Split the text after "Video:"/"Audio:" on commas that are not inside brackets."""
    text = line.split(f" {kind}: ", 1)[1]
    fields, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            fields.append(text[start:i].strip())
            start = i + 1
    fields.append(text[start:].strip())
    return fields


def _video(block: list[str]) -> dict:
    """Parse a video stream block."""
    line = block[0]
    fields = _fields(line, "Video")
    size = re.search(r"\b([1-9]\d*)x([1-9]\d*)\b", line)
    sar = re.search(r"\[SAR (\d+):(\d+)", line)
    rotation = re.search(r"rotation of (-?[\d.]+) degrees", "\n".join(block))
    pix_fmt = fields[1].split("(")[0].strip() if len(fields) > 1 else ""
    return {
        "codec": fields[0].split(" ")[0],
        "pix_fmt": pix_fmt if not re.search(r"\d+x\d+", pix_fmt) else "",
        "width": int(size.group(1)) if size else 0,
        "height": int(size.group(2)) if size else 0,
        "sar": (int(sar.group(1)), int(sar.group(2))) if sar else (1, 1),
        "fps": _rate(line, "fps"),
        "tbr": _rate(line, "tbr"),
        "rotation": round(float(rotation.group(1))) % 360 if rotation else 0,
        "bitrate": _kbps(line),
    }


def _audio(block: list[str]) -> dict:
    """Parse an audio stream block."""
    fields = _fields(block[0], "Audio")
    layout = fields[2] if len(fields) > 2 else ""
    channels = re.match(r"(\d+) channels", layout)
    return {
        "codec": fields[0].split(" ")[0],
        "channels": int(channels.group(1)) if channels else CHANNELS_BY_LAYOUT.get(layout, 0),
    }


def _rate(line: str, unit: str) -> float:
    """Return the rate printed before ``unit`` ("23.98 fps", "90k tbr"), 0 if absent."""
    match = re.search(rf"([\d.]+)(k?) {unit}\b", line)
    if not match:
        return 0.0
    value = float(match.group(1)) * (1000 if match.group(2) else 1)
    exact = next((r for r in NTSC_RATES if abs(r - value) < 0.006), None)
    return exact or value


def _kbps(line: str) -> int:
    """Return the bit rate printed on a stream line in bits per second, 0 if absent."""
    match = re.search(r"(\d+) kb/s", line)
    return int(match.group(1)) * 1000 if match else 0


def _duration(stderr: str) -> float:
    """Return the container duration in seconds, 0 when ffmpeg prints N/A."""
    match = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", stderr)
    if not match:
        return 0.0
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _bitrate(stderr: str) -> int:
    """Return the container's overall bit rate in bits per second, 0 if unknown."""
    match = re.search(r"Duration: .*?bitrate: (\d+) kb/s", stderr)
    return int(match.group(1)) * 1000 if match else 0


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
        raise InvalidMedia(f"file is truncated or corrupt: {_strip_prefix(damage)}")
    if frames < 2:
        raise InvalidMedia(f"video has {frames} frame{'s' * (frames != 1)}; need at least 2")
    if not header.video["tbr"] or seconds <= 0:
        raise InvalidMedia("video has no frame rate: its frames carry no usable timestamps")
    # Packets must reach close to the declared end: a cut file can still parse cleanly.
    if header.duration and seconds < header.duration * 0.9 - 0.5:
        raise InvalidMedia(
            f"file is truncated: video data stops at {seconds:.1f} s of {header.duration:.1f} s"
        )


def _strip_prefix(line: str) -> str:
    """Drop ffmpeg's "[component @ 0x...]" prefix from a log line."""
    return re.sub(r"^\[[^\]]*\]\s*", "", line.strip())


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
