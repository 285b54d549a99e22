"""Temporal coherence as the seed defines it, computed without changing its numbers.

Sample every ``int(fps / sample_rate)``-th frame (at least 1), convert it to gray as OpenCV
does, and take scikit-image's default SSIM of each sampled frame against the previous sampled
frame. ffmpeg decodes in its own process; a reader thread drains its pipe into a pool of gray
frames and the calling thread computes the pairs (the SSIM kernel releases the GIL), so
decoding and arithmetic overlap.
"""

import queue
import threading
from dataclasses import dataclass, field

import cv2
import numpy as np

from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics.decode import Decoder, geometry, sampling_interval, start_thread
from media_pipeline.metrics.motion import MotionTracker, sharpness
from media_pipeline.metrics.ssim import mean_ssim

#: Gray frames the reader may run ahead by. ffmpeg blocks on a full pipe, so without this
#: buffer decoding would stall whenever the arithmetic is busy (measured: 0.7 of a core
#: used instead of 2).
READ_AHEAD = 8


@dataclass
class SampledSsim:
    """What one pass over a video measured."""

    fps: float
    interval: int
    times: list[float] = field(default_factory=list)  # time of the later frame of each pair
    scores: list[float] = field(default_factory=list)
    sampled: int = 0  # frames decoded at the sampling interval
    sharpness: list[float] = field(default_factory=list)  # per sampled frame, when asked
    motion: MotionTracker | None = None


def temporal_coherence(path, *, sample_rate: int = 5) -> dict:
    """Return the seed's four numbers: mean, min and (population) std of SSIM, and the count."""
    return summarize(measure(path, sample_rate=sample_rate).scores)


def summarize(scores: list[float]) -> dict:
    """Return mean_coherence, min_coherence, std_coherence and frame_count of SSIM scores."""
    values = np.asarray(scores, dtype=np.float64)
    return {
        "mean_coherence": float(np.mean(values)),
        "min_coherence": float(np.min(values)),
        "std_coherence": float(np.std(values)),
        "frame_count": len(scores),
    }


def measure(path, *, sample_rate: int = 5, with_motion: bool = False) -> SampledSsim:
    """Decode ``path`` once and return the SSIM series (and motion data if asked).

    Raises InvalidMedia when the file can't be decoded or yields fewer than two sampled frames.
    """
    geo = geometry(path)
    interval = sampling_interval(geo.fps, sample_rate)
    result = SampledSsim(fps=geo.fps, interval=interval)
    decoder = Decoder(path, geo, interval, small=with_motion)
    reader = _GrayReader(decoder)
    workers = [reader]
    if with_motion:
        result.motion = MotionTracker()
        workers.append(_SmallReader(decoder, result.motion, geo.small_size()))
    try:
        _consume(reader, result, with_sharpness=with_motion)
        reader.raise_error()
    except BaseException:
        decoder.kill()  # ffmpeg would block on a pipe nobody reads any more
        _stop(workers)
        decoder.close(check=False)
        raise
    _stop(workers)
    decoder.close()
    for worker in workers:
        worker.raise_error()
    if result.sampled < 2:
        raise InvalidMedia(
            f"video too short to score: {result.sampled} sampled frame(s) at "
            f"{sample_rate} per second; need at least 2"
        )
    return result


def _stop(workers: list) -> None:
    """Stop every worker thread."""
    for worker in workers:
        worker.stop()


def _consume(reader: "_GrayReader", result: SampledSsim, *, with_sharpness: bool) -> None:
    """Compute the SSIM of each consecutive pair of gray frames the reader hands over."""
    previous = None
    while (item := reader.frames.get()) is not None:
        index, gray = item
        result.sampled = index + 1
        if with_sharpness:
            result.sharpness.append(sharpness(gray))
        if previous is not None:
            result.scores.append(mean_ssim(previous, gray))
            result.times.append(index * result.interval / result.fps if result.fps else 0.0)
            reader.pool.put(previous)
        previous = gray


class _GrayReader:
    """Thread that drains ffmpeg's sampled BGR frames into a pool of gray frames."""

    def __init__(self, decoder: Decoder):
        """Start reading from ``decoder``."""
        self.decoder = decoder
        self.shape = (decoder.geo.height, decoder.geo.width)
        self.frames: queue.Queue = queue.Queue()  # (index, gray) in order, then None
        self.pool: queue.Queue = queue.Queue()
        for _ in range(READ_AHEAD + 1):  # + 1: the consumer holds the previous frame
            self.pool.put(np.empty(self.shape, np.uint8))
        self._stopped = threading.Event()
        self._thread, self._errors = start_thread(self._run)

    def _run(self) -> None:
        """Read until the end of the stream, then post the end marker."""
        try:
            self._read()
        finally:
            self.frames.put(None)

    def _read(self) -> None:
        """Convert each sampled frame to gray exactly as the seed does (OpenCV, BGR to gray)."""
        bgr = np.empty((*self.shape, 3), np.uint8)
        index = 0
        while self.decoder.read_sampled(bgr):
            gray = self.pool.get()
            if self._stopped.is_set():
                return
            cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY, dst=gray)
            self.frames.put((index, gray))
            index += 1

    def stop(self) -> None:
        """Unblock and finish the thread."""
        self._stopped.set()
        self.pool.put(None)
        self._thread.join()

    def raise_error(self) -> None:
        """Re-raise an exception the thread hit."""
        if self._errors:
            raise self._errors[0]


class _SmallReader:
    """Thread that feeds every small gray frame to a MotionTracker."""

    def __init__(self, decoder: Decoder, tracker: MotionTracker, size: tuple[int, int]):
        """Start reading small frames from ``decoder``."""
        self.decoder, self.tracker, self.size = decoder, tracker, size
        self._thread, self._errors = start_thread(self._run)

    def _run(self) -> None:
        """Read until the end of the stream."""
        width, height = self.size
        frame = np.empty((height, width), np.uint8)
        while self.decoder.read_small(frame):
            self.tracker.feed(frame)

    def stop(self) -> None:
        """Wait for the thread (it ends when ffmpeg closes the pipe)."""
        self._thread.join()

    def raise_error(self) -> None:
        """Re-raise an exception the thread hit."""
        if self._errors:
            raise self._errors[0]
