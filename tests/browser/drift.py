"""Measure how far apart the clips of a comparison player are, sampled inside the page.

Spread is max - min of the clips' `currentTime` (media time), read in one task every 10 ms. The
clips come out of the site's own transcoder (`transcode_tiers`), as the site serves them. Used by
tests/browser/test_drift.py (asserts the issue's thresholds) and tests/perf/bench_drift.py.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from media_pipeline.transcode import STANDARD, transcode_tiers
from tests.clips import make_clip

from .pages import player_clip, player_page

SECONDS = 26
#: Frame rates of the clips, first N used for an N-clip measurement (24, 25 and 30 fps mixed).
RATES = [24, 25, 30, 30, 24, 25]
CLIP_COUNTS = (2, 4, 6)
SPEEDS = (0.5, 1.0, 2.0)
THROTTLED = 1  # index of the clip served slower than real time
THROTTLE = 0.85  # fraction of that clip's own byte rate: it must stall, and recover
ALGORITHMS = {"lockstep": None, "seed": "/fixtures/seed_player.js"}
#: Media time after play, seek and resume (it is 0.9 s past a keyframe at any of RATES, the most
#: a 1 s GOP can ask a decoder to catch up); at 2x the whole sequence stays inside the clips.
SEEK_TO = 12.9
#: A clip counts as playing once it is this far (s of media) past where it was asked to start.
MOVED = 0.01

SAMPLER = """() => {
  const vs = window.comparePlayer.videos;
  window.__drift = [];
  clearInterval(window.__driftTimer);
  window.__driftTimer = setInterval(
    () => window.__drift.push([performance.now(), ...vs.map((v) => v.currentTime)]), 10);
}"""
NOW_AND = """(action) => {
  const t = performance.now();
  action === 'play' ? comparePlayer.play() : comparePlayer.pause();
  return [t, comparePlayer.videos.map((v) => v.currentTime)];
}"""
RATE_CHANGES = """() => {
  const nudger = comparePlayer.engine && comparePlayer.engine.nudger;
  return nudger ? nudger.rateChanges : 0;
}"""
SEEK = "(s) => { const t = performance.now(); comparePlayer.seek(s); return t; }"


@dataclass
class Samples:
    rows: list[list[float]]  # [ms, t0, t1, ...]

    def window(self, start_ms: float, end_ms: float) -> list[list[float]]:
        return [r for r in self.rows if start_ms <= r[0] <= end_ms]

    def spreads(self, start_ms: float, end_ms: float) -> list[float]:
        """Spread in ms of every sample in the window."""
        return [(max(r[1:]) - min(r[1:])) * 1000 for r in self.window(start_ms, end_ms)]

    def at(self, ms: float) -> list[float]:
        return min(self.rows, key=lambda r: abs(r[0] - ms))

    def advance(self, start_ms: float, end_ms: float) -> list[float]:
        """How much media time each clip played per second of real time in the window."""
        rows = self.window(start_ms, end_ms)
        wall = (rows[-1][0] - rows[0][0]) / 1000
        return [(b - a) / wall for a, b in zip(rows[0][1:], rows[-1][1:], strict=True)]

    def all_playing_after(self, start_ms: float, targets: list[float]) -> float | None:
        """Ms from `start_ms` until every clip has moved MOVED past its target (None: never)."""
        for row in self.window(start_ms, float("inf")):
            if all(t > target + MOVED for t, target in zip(row[1:], targets, strict=True)):
                return row[0] - start_ms
        return None


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def collect(page) -> Samples:
    return Samples(page.evaluate("window.__drift"))


def measure_sequence(page, *, speed: float = 1.0) -> dict[str, float]:
    """Play 7 s, seek while playing, pause 1 s and resume, pause and resume at once.

    Returns the figures the issue asks for; spreads are in ms of media time.
    """
    if speed != 1.0:
        page.evaluate("(r) => comparePlayer.setRate(r)", speed)
    page.evaluate(SAMPLER)
    t_play, _ = page.evaluate(NOW_AND, "play")
    time.sleep(1.0)
    changes = page.evaluate(RATE_CHANGES)
    time.sleep(6.2)
    changes = page.evaluate(RATE_CHANGES) - changes
    t_seek = page.evaluate(SEEK, SEEK_TO)
    time.sleep(3.0)
    page.evaluate(NOW_AND, "pause")
    time.sleep(1.0)
    t_resume, at_resume = page.evaluate(NOW_AND, "play")
    time.sleep(1.2)
    page.evaluate(NOW_AND, "pause")
    time.sleep(0.15)  # a viewer's quick pause and play: the pause's seek is still running
    t_quick, at_quick = page.evaluate(NOW_AND, "play")
    time.sleep(0.8)
    s = collect(page)
    steady = s.spreads(t_play + 1000, t_play + 7000)
    at_half = s.at(t_seek + 500)
    recovered = s.all_playing_after(t_seek, [SEEK_TO] * len(at_resume))
    resumed = s.all_playing_after(t_resume, at_resume)
    quick = s.all_playing_after(t_quick, at_quick)
    rates = [  # after a seek the clips get the time to play again; this checks the rest
        *s.advance(t_play + 1000, t_play + 7000),
        *s.advance(t_seek + 1000, t_seek + 2500),
    ]
    return {
        "steady_p95": p95(steady),
        "steady_max": max(steady),
        "rate_changes_per_s": changes / 6.2,
        "seek_all_playing_ms": _or_inf(recovered),
        "seek_spread_at_0_5": (max(at_half[1:]) - min(at_half[1:])) * 1000,
        "seek_p95": p95(s.spreads(t_seek + 500, t_seek + 2500)),
        "resume_all_playing_ms": _or_inf(resumed),
        "resume_p95": p95(s.spreads(t_resume + 300, t_resume + 1200)),
        "quick_resume_all_playing_ms": _or_inf(quick),
        "slowest_advance": min(rates) / speed,
    }


def _or_inf(ms: float | None) -> float:
    return ms if ms is not None else float("inf")


def measure_throttled(page) -> dict[str, float]:
    """Play 11 s with one clip served slower than real time."""
    page.evaluate(SAMPLER)
    t_play, _ = page.evaluate(NOW_AND, "play")
    time.sleep(11.2)
    s = collect(page)
    return {
        "throttled_p95": p95(s.spreads(t_play + 1000, t_play + 11000)),
        "throttled_slowest_advance": min(s.advance(t_play + 1000, t_play + 11000)),
    }


ROWS = [
    ("steady_p95", "steady 6 s: p95 spread (ms)"),
    ("steady_max", "steady 6 s: max spread (ms)"),
    ("rate_changes_per_s", "steady 6 s: playback-rate changes per second"),
    ("seek_all_playing_ms", "seek while playing: all clips playing after (ms)"),
    ("seek_spread_at_0_5", "seek while playing: spread at +0.5 s (ms)"),
    ("seek_p95", "seek while playing: p95 spread +0.5-2.5 s (ms)"),
    ("resume_all_playing_ms", "resume after 1 s paused: all playing after (ms)"),
    ("resume_p95", "resume after 1 s paused: p95 spread +0.3-1.2 s (ms)"),
    ("quick_resume_all_playing_ms", "resume 150 ms after pause: all playing after (ms)"),
    ("slowest_advance", "slowest clip advance (x the chosen speed)"),
    ("throttled_p95", "one clip throttled: p95 spread (ms)"),
    ("throttled_slowest_advance", "one clip throttled: slowest clip advance (x real time)"),
]


def report(results: dict[str, dict[str, float]]) -> str:
    """A table: one row per figure, one column per run (a name: its figures)."""
    names = list(results)
    lines = [f"{'drift in headless Chromium':56}" + "".join(f"{n:>14}" for n in names)]
    for key, label in ROWS:
        cells = [results[n].get(key) for n in names]
        if all(c is None for c in cells):
            continue
        text = "".join(f"{'-':>14}" if c is None else f"{c:>14.3f}" for c in cells)
        lines.append(f"{label:56}{text}")
    return "\n".join(lines)


def make_drift_clips(folder: Path, server, count: int = 4) -> tuple[list[dict], float]:
    """Make `count` clips through the site's transcoder, serve them, return (clips, throttle rate).

    The sources have x264's old 10 s keyframe spacing; `transcode_tiers` writes the `standard`
    tier the site would serve, which is what the player plays here.
    """
    server.mounts["/drift/"] = folder.resolve()
    clips, rate = [], 0.0
    for i, fps in enumerate(RATES[:count]):
        standard = folder / f"d{i}" / STANDARD.filename
        if not standard.exists():
            src = make_clip(folder / f"src{i}.mp4", fps=fps, seconds=SECONDS, width=640,
                            height=360, keyframe_seconds=10)  # fmt: skip
            transcode_tiers(src, folder / f"d{i}")
        url = f"/drift/d{i}/{STANDARD.filename}"
        clips.append(player_clip(f"d{i}", f"Clip {i} ({fps} fps)", fps=fps, duration=SECONDS,
                                 sources={"preview": url, "standard": url}))  # fmt: skip
        if i == THROTTLED:
            rate = standard.stat().st_size / SECONDS * THROTTLE
    return clips, rate


def open_player_page(browser, server, clips, script, name):
    path = f"/drift-{name}.html"
    server.pages[path] = player_page(clips, script=script)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + path)
    deadline = time.monotonic() + 30
    while not page.evaluate("window.comparePlayer && window.comparePlayer.isReady"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: the player never became ready")
        page.wait_for_timeout(50)
    return context, page


def run_speed(browser, server, clips, speed, algorithm="lockstep") -> dict[str, float]:
    """Run the sequence once at `speed` in a fresh browser context."""
    name = f"{algorithm}-{len(clips)}-{speed:g}"
    context, page = open_player_page(browser, server, clips, ALGORITHMS[algorithm], name)
    try:
        return measure_sequence(page, speed=speed)
    finally:
        context.close()


def run_throttled(browser, server, clips, throttle_rate, algorithm) -> dict[str, float]:
    """Play with one clip served slower than real time, in a fresh browser context."""
    # a distinct URL: nothing of the first run may come from a cache for the throttled clip
    slow = [dict(c) for c in clips]
    url = clips[THROTTLED]["sources"]["standard"]
    slow[THROTTLED]["sources"] = {"standard": f"{url}?slow={algorithm}"}
    server.throttle[url] = throttle_rate
    script = ALGORITHMS[algorithm]
    context, page = open_player_page(browser, server, slow, script, f"{algorithm}-slow")
    try:
        return measure_throttled(page)
    finally:
        context.close()
        server.throttle.pop(url)
