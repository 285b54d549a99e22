"""The synced comparison player, driven in headless Chromium on a page rendered from its include."""

import time

import pytest

from .pages import player_clip, player_page

pytestmark = pytest.mark.browser

SERIES = {
    "ssim": [[i / 5, 0.9 + 0.05 * ((i % 5) / 5)] for i in range(30)],
    "diff": [[i / 5, 0.1] for i in range(30)],
}


def clips_for(names_fps_durations, *, with_original=False):
    clips = []
    for name, label, fps, duration in names_fps_durations:
        sources = {"preview": f"/media/{name}-preview.mp4", "standard": f"/media/{name}-standard.mp4"}
        if with_original:
            sources["original"] = f"/media/{name}-standard.mp4"
        clips.append(player_clip(f"g-{name}", label, fps=fps, duration=duration, sources=sources,
                                 series=SERIES, spikes=[1.25, 3.5], synthetic=name == "c"))  # fmt: skip
    return clips


THREE = [("a", "Model A", 24.0, 6.0), ("b", "Model B", 25.0, 6.0), ("c", "Short C", 30.0, 4.0)]


@pytest.fixture
def open_player(browser, media_server):
    """Open a page with the player on the given clips and wait until it reports ready."""
    pages, contexts = [], []

    def open_(clips=None, *, query="", viewport=None):
        path = f"/player-{len(media_server.pages)}.html"
        media_server.pages[path] = player_page(clips or clips_for(THREE))
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.goto(media_server.url + path + query)
        wait_until(page, "window.comparePlayer && window.comparePlayer.isReady", timeout=15)
        contexts.append(context)
        pages.append(page)
        return page

    yield open_
    for context in contexts:
        context.close()


def wait_until(page, expression, *, timeout=5.0):
    """Poll a JS expression from Python: wait_for_function would need eval, which the CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {expression}")
        page.wait_for_timeout(50)


def times(page):
    return page.evaluate("comparePlayer.videos.map(v => v.currentTime)")


def test_the_player_becomes_ready_under_a_strict_csp(open_player):
    page = open_player()
    assert page.evaluate("comparePlayer.videos.length") == 3
    assert page.evaluate("comparePlayer.videos.every(v => v.readyState >= 3 && !v.controls)")
    assert page.evaluate("document.querySelector('.cp svg polyline') !== null")
    assert page.errors == []


def test_play_pause_and_seek_move_every_clip_together(open_player):
    page = open_player()
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1200)
    playing = times(page)
    assert min(playing) > 0.8
    assert max(playing) - min(playing) < 0.04
    page.get_by_role("button", name="Pause", exact=True).click()
    wait_until(page, "comparePlayer.state === 'paused'")
    paused = times(page)
    assert max(paused) - min(paused) < 1e-3
    page.evaluate("comparePlayer.seek(2.5)")
    wait_until(page, "comparePlayer.state === 'paused'")
    assert times(page) == pytest.approx([2.5, 2.5, 2.5], abs=1e-3)
    assert page.errors == []
