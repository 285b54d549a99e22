"""Decode a video for the metrics with one ffmpeg process, in parallel with the arithmetic.

ffmpeg decodes every frame (H.264 needs it), but only every ``interval``-th frame is converted to
BGR and sent through the pipe: the frames the seed's loop would skip cost no conversion and no
copy. The BGR conversion is the one OpenCV's ``VideoCapture`` uses (the same libswscale path),
and gray is then ``cv2.cvtColor(..., COLOR_BGR2GRAY)`` exactly as in the seed. Optionally a
second pipe carries every frame as a small gray image for the motion metrics.
"""

import os
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from media_pipeline import ffmpeg
from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics.ssim import WIN_SIZE
from media_pipeline.probe import read_header

#: Longest side of the small frames used for motion, flicker, frozen and black frames.
SMALL_SIDE = 192
#: A 10-minute 4K clip decodes in well under this on two cores.
DECODE_TIMEOUT = 1800


@dataclass(frozen=True)
class Geometry:
    """Frame size as decoded (rotation applied, pixels as stored) and the frame rate."""

    width: int
    height: int
    fps: float

    def small_size(self) -> tuple[int, int]:
        """Return the (width, height) of the small motion frames, aspect kept."""
        scale = min(1.0, SMALL_SIDE / max(self.width, self.height))
        return max(8, round(self.width * scale)), max(8, round(self.height * scale))


def geometry(path) -> Geometry:
    """Return the decoded frame size and frame rate of ``path``; raise InvalidMedia."""
    header = read_header(path)
    if header.video is None:
        raise InvalidMedia("file has no video stream")
    video = header.video
    width, height = video["width"], video["height"]
    if video["rotation"] in (90, 270):
        width, height = height, width
    if min(width, height) < WIN_SIZE:
        raise InvalidMedia(f"video is {width}x{height}; scoring needs at least 7x7 pixels")
    return Geometry(width, height, opencv_fps(path) or video["fps"])


def opencv_fps(path) -> float:
    """Return the frame rate OpenCV reports, which the seed's sampling interval is based on."""
    capture = cv2.VideoCapture(str(path))
    try:
        return float(capture.get(cv2.CAP_PROP_FPS)) if capture.isOpened() else 0.0
    finally:
        capture.release()


def sampling_interval(fps: float, sample_rate: int) -> int:
    """Return the seed's ``frame_interval``: int(fps / sample_rate), at least 1."""
    if sample_rate <= 0:
        raise ValueError("sample_rate must be a positive number of frames per second")
    return max(1, int(fps / sample_rate))


class Decoder:
    """One ffmpeg process that writes sampled BGR frames and, optionally, small gray frames.

    Call ``read_sampled`` and ``read_small`` from two threads (coherence.py's reader threads);
    ``close`` waits for ffmpeg and raises InvalidMedia if it failed.
    """

    def __init__(self, path, geo: Geometry, interval: int, *, small: bool = False):
        """Start ffmpeg on ``path``."""
        self.geo, self.interval = geo, interval
        self.frame_bytes = geo.width * geo.height * 3
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        small_read, small_write = os.pipe() if small else (None, None)
        self._proc = subprocess.Popen(
            ffmpeg.command(*_decode_args(Path(path), geo, interval, small_write)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            pass_fds=(small_write,) if small else (),
            bufsize=0,
        )
        if small:
            os.close(small_write)
        self._small = os.fdopen(small_read, "rb", buffering=0) if small else None
        self._timer = threading.Timer(DECODE_TIMEOUT, self._proc.kill)
        self._timer.start()

    def read_sampled(self, out: np.ndarray) -> bool:
        """Fill ``out`` (height x width x 3 uint8) with the next sampled frame; False at the end."""
        return _read_exact(self._proc.stdout, memoryview(out).cast("B"))

    def read_small(self, out: np.ndarray) -> bool:
        """Fill ``out`` (small height x width uint8) with the next small frame; False at end."""
        return _read_exact(self._small, memoryview(out).cast("B"))

    def kill(self) -> None:
        """Stop ffmpeg now (after an error on our side)."""
        self._proc.kill()

    def close(self, *, check: bool = True) -> None:
        """Wait for ffmpeg; raise InvalidMedia if ``check`` and it did not finish cleanly."""
        self._timer.cancel()
        for stream in (self._proc.stdout, self._small):
            if stream is not None:
                stream.close()
        returncode = self._proc.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode("utf-8", "replace")
        self._stderr.close()
        if check and returncode != 0:
            raise InvalidMedia(f"decoding failed: {ffmpeg.last_error_line(stderr)}")


def _decode_args(path: Path, geo: Geometry, interval: int, small_fd: int | None) -> list[str]:
    """Return ffmpeg arguments for the sampled (and small) raw outputs."""
    sampled = f"select='not(mod(n\\,{interval}))'," if interval > 1 else ""
    graph = f"[0:v:0]{sampled}format=bgr24[sampled]"
    if small_fd is not None:
        width, height = geo.small_size()
        graph = (
            f"[0:v:0]split[s][m];[s]{sampled}format=bgr24[sampled];"
            f"[m]format=gray,scale={width}:{height}:flags=area[small]"
        )
    args = [
        "-loglevel",
        "error",
        "-i",
        str(path),
        "-filter_complex",
        graph,
        "-map",
        "[sampled]",
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "pipe:1",
    ]
    if small_fd is not None:
        args += [
            "-map",
            "[small]",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            f"pipe:{small_fd}",
        ]
    return args


def _read_exact(stream, view: memoryview) -> bool:
    """Fill ``view`` from ``stream``; return False on a clean end of stream before any byte."""
    filled = 0
    while filled < len(view):
        count = stream.readinto(view[filled:])
        if not count:
            if filled:
                raise InvalidMedia("decoding stopped in the middle of a frame")
            return False
        filled += count
    return True


def start_thread(target: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``target`` in a daemon thread; exceptions are collected in the returned list."""
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    return thread, errors
