"""Run the bundled ffmpeg binary (imageio-ffmpeg); no system install and no ffprobe needed."""

import os
import subprocess
from functools import cache

import imageio_ffmpeg

#: Seconds any single ffmpeg call may take before it is killed; transcoding a 2-minute 4K clip
#: on two cores stays well under this.
DEFAULT_TIMEOUT = 1800


@cache
def ffmpeg_exe() -> str:
    """Return the path of the bundled ffmpeg executable."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def cpu_count() -> int:
    """Return the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def command(*args: str) -> list[str]:
    """Return an ffmpeg argument list with the flags every call shares."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]


def run(*args: str, timeout: float = DEFAULT_TIMEOUT) -> subprocess.CompletedProcess:
    """Run ffmpeg with ``args`` and return the finished process (stderr as text)."""
    return subprocess.run(
        command(*args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
        text=True,
        errors="replace",
    )


def last_error_line(stderr: str) -> str:
    """Return the most telling line of ffmpeg's stderr, for an error message."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "ffmpeg gave no output"
