"""Temporal coherence as the seed defines it, computed without changing its numbers.

Sample every ``int(fps / sample_rate)``-th frame (at least 1), convert it to gray as OpenCV
does, and take scikit-image's default SSIM of each sampled frame against the previous sampled
frame. ffmpeg decodes in its own process; a producer thread turns sampled frames into gray and
window statistics while this thread computes the pairs, so decoding and arithmetic overlap.
"""

import queue
import threading
from dataclasses import dataclass, field

import cv2
import numpy as np

from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics.decode import Decoder, geometry, sampling_interval, start_thread
from media_pipeline.metrics.motion import MotionTracker, sharpness
from media_pipeline.metrics.ssim import FrameStats, Scratch, ssim

#: FrameStats in flight: one held as "previous", one being filled, one waiting.
POOL_SIZE = 3


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
    workers = [_Producer(decoder, result, sharpness=with_motion)]
    if with_motion:
        result.motion = MotionTracker()
        workers.append(_SmallReader(decoder, result.motion, geo.small_size()))
    try:
        _consume(workers[0], result)
        if workers[0].failed():
            decoder.kill()  # ffmpeg would block on a pipe nobody reads any more
    except BaseException:
        decoder.kill()
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


def _consume(producer: "_Producer", result: SampledSsim) -> None:
    """Compute the SSIM of each consecutive pair the producer hands over."""
    previous, scratch = None, None
    while (item := producer.ready.get()) is not None:
        index, stats = item
        if previous is not None:
            scratch = scratch or Scratch(stats.gray.shape)
            result.scores.append(ssim(previous, stats, scratch))
            result.times.append(index * result.interval / result.fps if result.fps else 0.0)
            producer.free.put(previous)
        previous = stats


class _Producer:
    """Thread that reads sampled BGR frames and turns them into gray window statistics."""

    def __init__(self, decoder: Decoder, result: SampledSsim, *, sharpness: bool):
        """Start reading from ``decoder``."""
        self.decoder, self.result, self.with_sharpness = decoder, result, sharpness
        self.ready: queue.Queue = queue.Queue()
        self.free: queue.Queue = queue.Queue()
        self._stopped = threading.Event()
        self._thread, self._errors = start_thread(self._run)

    def _run(self) -> None:
        """Read until the end of the stream, then post the end marker."""
        try:
            self._produce()
        finally:
            self.ready.put(None)

    def _produce(self) -> None:
        """Fill pooled FrameStats with consecutive sampled frames."""
        geo = self.decoder.geo
        shape = (geo.height, geo.width)
        bgr = np.empty((*shape, 3), np.uint8)
        scratch = Scratch(shape)
        for _ in range(POOL_SIZE):
            self.free.put(FrameStats(shape))
        while self.decoder.read_sampled(bgr):
            stats = self.free.get()
            if self._stopped.is_set():
                return
            cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY, dst=stats.gray)
            if self.with_sharpness:
                self.result.sharpness.append(sharpness(stats.gray))
            self.ready.put((self.result.sampled, stats.update(scratch)))
            self.result.sampled += 1

    def stop(self) -> None:
        """Unblock and finish the thread."""
        self._stopped.set()
        self.free.put(None)
        self._thread.join()

    def failed(self) -> bool:
        """Say whether the thread stopped on an exception."""
        return bool(self._errors)

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
