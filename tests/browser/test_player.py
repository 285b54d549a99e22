"""The synced comparison player, driven in headless Chromium on a page rendered from its include."""

import time

import pytest

from .pages import player_clip, player_page

pytestmark = pytest.mark.browser

SERIES = {
    "ssim": [[i / 5, 0.9 + 0.05 * ((i % 5) / 5)] for i in range(30)],
    "diff": [[i / 5, 0.1] for i in range(30)],
}


def clips_for(names_fps_durations):
    clips = []
    for name, label, fps, duration in names_fps_durations:
        sources = {tier: f"/media/{name}-{tier}.mp4" for tier in ("preview", "standard")}
        clip = player_clip(f"g-{name}", label, fps=fps, duration=duration, sources=sources,
                           series=SERIES, spikes=[1.25, 3.5], synthetic=name == "c")  # fmt: skip
        clips.append(clip)
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
        page.add_init_script(
            "document.addEventListener('compareplayer:ready', "
            "e => { window.__readyEvents = (window.__readyEvents || 0) + 1; })"
        )
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
    """Poll a JS expression from Python (wait_for_function needs eval, which the CSP forbids)."""
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


def test_ready_is_announced_once_on_the_document(open_player):
    page = open_player()
    assert page.evaluate("window.__readyEvents") == 1


def test_frame_step_moves_every_clip_one_frame_of_the_fastest_clip(open_player):
    page = open_player()
    page.get_by_role("button", name="Next frame").click()
    page.get_by_role("button", name="Next frame").click()
    wait_until(page, "comparePlayer.state === 'paused'")
    assert times(page) == pytest.approx([2.5 / 30] * 3, abs=1e-3)
    page.keyboard.press(",")
    wait_until(page, "comparePlayer.state === 'paused' && comparePlayer.currentTime < 0.06")
    assert times(page) == pytest.approx([1.5 / 30] * 3, abs=1e-3)


def test_a_shorter_clip_holds_its_last_frame_while_the_others_play(open_player):
    page = open_player()
    page.evaluate("comparePlayer.seek(4.5)")
    wait_until(page, "comparePlayer.state === 'paused'")
    page.evaluate("comparePlayer.play()")
    page.wait_for_timeout(700)
    a, b, c = times(page)
    assert min(a, b) > 4.9
    assert c == pytest.approx(page.evaluate("comparePlayer.videos[2].duration"), abs=0.05)
    page.evaluate("comparePlayer.seek(1)")
    wait_until(page, "comparePlayer.state === 'playing'")
    page.wait_for_timeout(300)
    assert min(times(page)) > 1.1
    assert page.errors == []


def test_the_url_time_opens_the_player_there_and_pausing_writes_it_back(open_player):
    page = open_player(query="?vs=7&t=1.5")
    assert times(page) == pytest.approx([1.5] * 3, abs=1e-3)
    page.evaluate("comparePlayer.seek(2.25)")
    wait_until(page, "location.search.includes('t=2.25')")
    assert "vs=7" in page.evaluate("location.search")


def test_data_seek_links_anywhere_on_the_page_seek_every_clip(open_player):
    page = open_player()
    page.click("#outside-spike")
    wait_until(page, "comparePlayer.state === 'paused' && comparePlayer.currentTime === 2.5")
    assert times(page) == pytest.approx([2.5] * 3, abs=1e-3)
    page.get_by_role("link", name="Flicker spike at 1.25 s in Model B").click()
    wait_until(page, "comparePlayer.state === 'paused' && comparePlayer.currentTime === 1.25")
    assert page.evaluate("location.pathname").startswith("/player-")  # no navigation


def test_switching_quality_keeps_the_time_and_the_playing_state(open_player):
    page = open_player()
    page.evaluate("comparePlayer.seek(1)")
    page.evaluate("comparePlayer.play()")
    page.get_by_label("Quality").select_option("preview")
    wait_until(page, "comparePlayer.state === 'playing'", timeout=10)
    sources = page.evaluate("comparePlayer.videos.map(v => v.currentSrc)")
    assert all(src.endswith("-preview.mp4") for src in sources)
    assert 1.0 <= min(times(page)) < 2.5
    assert page.evaluate("comparePlayer.videos.every(v => v.videoHeight === 180)")


def test_the_wipe_view_overlays_two_chosen_clips_with_a_movable_divider(open_player):
    page = open_player()
    page.get_by_role("button", name="Wipe view").click()
    assert page.get_by_role("button", name="Wipe view").get_attribute("aria-pressed") == "true"
    visible = page.evaluate(
        "[...document.querySelectorAll('.cp-clip')]"
        ".filter(f => f.offsetParent !== null).map(f => f.dataset.clip)"
    )
    assert visible == ["0", "1"]
    boxes = [page.locator(".cp-clip video").nth(i).bounding_box() for i in (0, 1)]
    assert boxes[0] == boxes[1]  # one frame, two pictures
    page.get_by_label("Right clip").select_option(label="Short C")
    page.get_by_label("Wipe position").fill("30")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.cp-wipe-b .cp-screen')).clipPath")
        == "inset(0px 0px 0px 30%)"
    )
    assert page.evaluate("document.querySelector('.cp-wipe-b').dataset.clip") == "2"


def test_mute_and_solo_choose_which_clip_is_heard(open_player):
    page = open_player()
    assert page.evaluate("comparePlayer.videos.every(v => v.muted)")
    page.get_by_role("button", name="Solo Model B").click()
    assert page.evaluate("comparePlayer.videos.map(v => v.muted)") == [True, False, True]
    assert page.get_by_role("button", name="Solo Model B").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Mute Model A").click()
    assert page.evaluate("comparePlayer.videos.map(v => v.muted)") == [False, False, True]
    assert page.get_by_role("button", name="Solo Model B").get_attribute("aria-pressed") == "false"


def test_speed_loop_keyboard_and_timeline_drive_every_clip(open_player):
    page = open_player()
    page.get_by_label("Playback speed").select_option("0.5")
    assert page.evaluate("comparePlayer.videos.every(v => v.playbackRate === 0.5)")
    page.get_by_role("button", name="Loop").click()
    page.evaluate("comparePlayer.seek(5.8)")
    page.keyboard.press("k")  # space would press the focused Loop button, as it should
    looped = "comparePlayer.state === 'playing' && comparePlayer.currentTime < 1"
    wait_until(page, looped, timeout=6)
    plot = page.locator("[data-timeline]").bounding_box()
    page.mouse.click(plot["x"] + plot["width"] / 2, plot["y"] + plot["height"] / 2)
    wait_until(page, "comparePlayer.state === 'playing' && comparePlayer.currentTime >= 3")
    page.keyboard.press(" ")
    wait_until(page, "comparePlayer.state === 'paused'")
    spread = max(times(page)) - min(times(page))
    assert spread < 1e-3
    assert page.errors == []


def test_on_a_phone_the_clips_stack_and_the_controls_fit(open_player):
    page = open_player(viewport={"width": 390, "height": 844})
    boxes = [page.locator(".cp-clip").nth(i).bounding_box() for i in range(3)]
    assert len({round(b["x"]) for b in boxes}) == 1
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_clip_that_cannot_load_does_not_block_the_others(open_player):
    clips = clips_for(THREE)
    clips[1]["sources"] = {"standard": "/media/missing.mp4"}
    page = open_player(clips)
    page.evaluate("comparePlayer.play()")
    page.wait_for_timeout(600)
    a, _, c = times(page)
    assert min(a, c) > 0.3
    assert page.get_by_text("This clip could not be loaded.").is_visible()


def test_a_missing_tier_falls_back_to_another_tier_of_the_same_clip(open_player):
    clips = clips_for(THREE)
    clips[0]["sources"]["standard"] = "/media/missing.mp4"
    page = open_player(clips)
    assert page.evaluate("comparePlayer.videos[0].currentSrc").endswith("/media/a-preview.mp4")
    assert not page.get_by_text("This clip could not be loaded.").is_visible()


def test_dragging_the_scrubber_while_playing_resumes_from_where_it_is_let_go(open_player):
    page = open_player()
    page.evaluate("comparePlayer.play()")
    wait_until(page, "comparePlayer.state === 'playing'")
    box = page.get_by_role("slider", name="Seek").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    assert page.evaluate("comparePlayer.engine.playing") is False
    page.mouse.up()
    wait_until(page, "comparePlayer.state === 'playing'")
    assert 2.5 < min(times(page)) < 3.6


def test_coming_back_to_the_tab_realigns_the_clips_and_keeps_playing(open_player):
    # headless Chromium never hides a page, so the event is dispatched; the state is still visible
    page = open_player()
    page.evaluate("comparePlayer.play()")
    wait_until(page, "comparePlayer.state === 'playing'")
    state = page.evaluate(
        "document.dispatchEvent(new Event('visibilitychange')); comparePlayer.state"
    )
    assert state == "aligning"
    wait_until(page, "comparePlayer.state === 'playing'")
    page.wait_for_timeout(200)
    assert max(times(page)) - min(times(page)) < 0.04
