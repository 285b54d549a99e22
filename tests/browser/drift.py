"""Measure how far apart the clips of a comparison player are, sampled inside the page.

Spread is max - min of the clips' `currentTime`, read in one task every 10 ms. Used by
tests/browser/test_drift.py (asserts the issue's thresholds) and tests/perf/bench_drift.py.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from .clips import make_clip
from .pages import player_clip, player_page

SECONDS = 26
RATES = [24, 25, 30, 30]
THROTTLED = 1  # index of the clip served slower than real time
THROTTLE = 0.85  # fraction of that clip's own byte rate: it must stall, and recover
ALGORITHMS = {"lockstep": None, "seed": "/fixtures/seed_player.js"}

SAMPLER = """() => {
  const vs = window.comparePlayer.videos;
  window.__drift = [];
  clearInterval(window.__driftTimer);
  window.__driftTimer = setInterval(
    () => window.__drift.push([performance.now(), ...vs.map((v) => v.currentTime)]), 10);
}"""
NOW_AND = "(action) => { const t = performance.now(); action === 'play' ? comparePlayer.play() : comparePlayer.pause(); return t; }"  # noqa: E501
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

    def all_playing_after(self, start_ms: float, target: float) -> float | None:
        """Ms from `start_ms` until every clip has moved 30 ms past `target` (None: never)."""
        for row in self.window(start_ms, float("inf")):
            if all(t > target + 0.03 for t in row[1:]):
                return row[0] - start_ms
        return None


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def collect(page) -> Samples:
    return Samples(page.evaluate("window.__drift"))


def measure_sequence(page, *, seek_to: float) -> dict[str, float]:
    """Play 11 s, seek while playing, pause 1 s and resume: the figures the issue asks for."""
    page.evaluate(SAMPLER)
    t_play = page.evaluate(NOW_AND, "play")
    time.sleep(11.2)
    t_seek = page.evaluate(SEEK, seek_to)
    time.sleep(3.0)
    page.evaluate(NOW_AND, "pause")
    time.sleep(1.0)
    t_resume = page.evaluate(NOW_AND, "play")
    time.sleep(2.7)
    s = collect(page)
    steady = s.spreads(t_play + 1000, t_play + 11000)
    at_half = s.at(t_seek + 500)
    recovered = s.all_playing_after(t_seek, seek_to)
    rates = [  # after a seek the clips get the 1 s to play again; this checks the rest
        *s.advance(t_play + 1000, t_play + 11000),
        *s.advance(t_seek + 1000, t_seek + 2500),
        *s.advance(t_resume + 500, t_resume + 2500),
    ]
    return {
        "steady_p95": p95(steady),
        "steady_max": max(steady),
        "seek_all_playing_ms": recovered if recovered is not None else float("inf"),
        "seek_spread_at_0_5": (max(at_half[1:]) - min(at_half[1:])) * 1000,
        "seek_p95": p95(s.spreads(t_seek + 500, t_seek + 2500)),
        "resume_p95": p95(s.spreads(t_resume + 500, t_resume + 2500)),
        "slowest_advance": min(rates),
    }


def measure_throttled(page) -> dict[str, float]:
    """Play 11 s with one clip served slower than real time."""
    page.evaluate(SAMPLER)
    t_play = page.evaluate(NOW_AND, "play")
    time.sleep(11.2)
    s = collect(page)
    return {
        "throttled_p95": p95(s.spreads(t_play + 1000, t_play + 11000)),
        "throttled_slowest_advance": min(s.advance(t_play + 1000, t_play + 11000)),
    }


ROWS = [
    ("steady_p95", "steady 10 s: p95 spread (ms)"),
    ("steady_max", "steady 10 s: max spread (ms)"),
    ("seek_all_playing_ms", "seek while playing: all clips playing after (ms)"),
    ("seek_spread_at_0_5", "seek while playing: spread at +0.5 s (ms)"),
    ("seek_p95", "seek while playing: p95 spread +0.5-2.5 s (ms)"),
    ("resume_p95", "pause/resume: p95 spread +0.5-2.5 s (ms)"),
    ("slowest_advance", "normal speed: slowest clip advance (x real time)"),
    ("throttled_p95", "one clip throttled: p95 spread (ms)"),
    ("throttled_slowest_advance", "one clip throttled: slowest clip advance (x real time)"),
]


def report(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    lines = [f"{'drift in headless Chromium':52}" + "".join(f"{n:>12}" for n in names)]
    for key, label in ROWS:
        lines.append(f"{label:52}" + "".join(f"{results[n][key]:>12.3f}" for n in names))
    return "\n".join(lines)


def make_drift_clips(folder: Path, server) -> tuple[list[dict], float]:
    """Write the four clips, mount them on `server` and return (player clips, throttle rate)."""
    server.mounts["/drift/"] = folder.resolve()
    clips = []
    for i, fps in enumerate(RATES):
        path = make_clip(
            folder / f"d{i}.mp4", fps=fps, seconds=SECONDS, keyframe_seconds=10, preset="veryfast"
        )  # B-frames and CABAC, like the site's tiers
        url = f"/drift/d{i}.mp4"
        clips.append(player_clip(f"d{i}", f"Clip {i} ({fps} fps)", fps=fps, duration=SECONDS,
                                 sources={"preview": url, "standard": url}))  # fmt: skip
        if i == THROTTLED:
            rate = path.stat().st_size / SECONDS * THROTTLE
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


def run_algorithm(browser, server, clips, throttle_rate, algorithm) -> dict[str, float]:
    """Run the whole sequence, then the throttled case, each in a fresh browser context."""
    script = ALGORITHMS[algorithm]
    context, page = open_player_page(browser, server, clips, script, algorithm)
    try:
        figures = measure_sequence(page, seek_to=17.5)
    finally:
        context.close()
    # a distinct URL: nothing of the first run may come from a cache for the throttled clip
    slow = [dict(c) for c in clips]
    url = f"/drift/d{THROTTLED}.mp4"
    slow[THROTTLED]["sources"] = {"standard": f"{url}?slow={algorithm}"}
    server.throttle[url] = throttle_rate
    context, page = open_player_page(browser, server, slow, script, f"{algorithm}-slow")
    try:
        figures.update(measure_throttled(page))
    finally:
        context.close()
        server.throttle.pop(url)
    return figures
