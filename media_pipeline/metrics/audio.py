"""How a clip sounds: integrated loudness (EBU R128, ffmpeg's ``ebur128``) and silence share.

One ffmpeg pass over the first audio stream runs both filters; a clip with no audio stream has
neither number (unknown, never zero).
"""

import re
from dataclasses import dataclass

from media_pipeline import ffmpeg
from media_pipeline.probe import read_header

#: Below this level (dBFS) for at least SILENCE_MIN_SECONDS, audio counts as silence.
SILENCE_NOISE_DB = -50
SILENCE_MIN_SECONDS = 0.2
#: ebur128's floor: a silent track reads this (its absolute gate is -70 LUFS).
LOUDNESS_FLOOR = -70.0
#: Above this share of silence, a clip "came back silent".
SILENT_SHARE = 0.95
AUDIO_TIMEOUT = 300

INTEGRATED = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf) LUFS")
SILENCE_START = re.compile(r"silence_start: (-?[\d.]+)")
SILENCE_END = re.compile(r"silence_end: (-?[\d.]+)")
CLOCK = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class AudioScores:
    loudness_lufs: float | None = None  # None: no audio stream
    silence_fraction: float | None = None


def measure_audio(path) -> AudioScores:
    """Return the loudness and silence share of ``path``'s first audio stream."""
    if read_header(path).audio is None:
        return AudioScores()
    filters = (
        f"ebur128=framelog=quiet,silencedetect=noise={SILENCE_NOISE_DB}dB:d={SILENCE_MIN_SECONDS}"
    )
    done = ffmpeg.run(
        "-i", str(path), "-map", "0:a:0", "-af", filters, "-f", "null", "-",
        timeout=AUDIO_TIMEOUT,
    )  # fmt: skip
    return parse_audio(done.stderr)


def parse_audio(stderr: str) -> AudioScores:
    """Read ebur128's summary and silencedetect's spans from ffmpeg's stderr."""
    loudness = INTEGRATED.search(stderr)
    clocks = CLOCK.findall(stderr)
    if not loudness or not clocks:
        return AudioScores()
    hours, minutes, secs = clocks[-1]
    total = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    value = loudness.group(1)
    lufs = LOUDNESS_FLOOR if value == "-inf" else max(float(value), LOUDNESS_FLOOR)
    starts = [float(s) for s in SILENCE_START.findall(stderr)]
    ends = [float(e) for e in SILENCE_END.findall(stderr)]
    ends += [total] * (len(starts) - len(ends))  # a silence still running at the end
    silent = sum(max(end - start, 0.0) for start, end in zip(starts, ends, strict=False))
    share = min(silent / total, 1.0) if total > 0 else None
    return AudioScores(loudness_lufs=lufs, silence_fraction=share)
