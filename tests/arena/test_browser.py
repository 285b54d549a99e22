"""A visitor votes through the arena page in headless Chromium against a live server."""

import re
import shutil
import time

import pytest
from django.conf import settings

from arena.models import FailureTag, Vote
from benchmarks.models import VideoAsset
from tests.arena.conftest import make_grid
from tests.clips import make_clip

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def wait_until(page, expression, *, timeout=20.0):
    """Poll a JS expression (wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {expression}")
        time.sleep(0.1)


def wait_for_player(page):
    wait_until(page, "!!(window.comparePlayer && window.comparePlayer.isReady)")


def _real_clips(generations):
    """Put a real 2-second clip where each factory row's standard tier points."""
    clip = make_clip(settings.MEDIA_ROOT / "source.mp4", seconds=2, fps=24)
    for generation in generations:
        asset = generation.assets.get(tier=VideoAsset.Tier.STANDARD)
        shutil.copy(clip, settings.MEDIA_ROOT / asset.key)
        VideoAsset.objects.filter(pk=asset.pk).update(size_bytes=clip.stat().st_size)


@pytest.mark.django_db(transaction=True)
def test_a_visitor_watches_both_clips_votes_and_tags_what_went_wrong(live_server, settings):
    if not shutil.which(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    settings.ARENA_MIN_WATCH_SHARE = 0.75
    settings.ARENA_REFRESH_DELAY = 0  # leave no delayed refit in the broker for later tests
    _, generations = make_grid(models=2, prompts=1)
    _real_clips(generations)

    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{live_server.url}/arena/")
        wait_for_player(page)
        sources = page.evaluate("comparePlayer.videos.map(v => v.currentSrc)")
        assert all("/arena/media/" in src for src in sources)

        page.get_by_role("button", name="Play").first.click()
        wait_until(page, "Number(arenaWatch.share(0)) >= 0.8 && Number(arenaWatch.share(1)) >= 0.8")
        time.sleep(0.5)  # the server's clock must agree that the pair was on screen
        page.get_by_role("button", name="Right is better").click()
        page.wait_for_url(re.compile(r"/arena/votes/\d+/$"))
        assert page.locator("[data-arena-uncounted]").count() == 0

        page.locator('input[name="left"][value="flicker"]').check()
        page.locator('input[name="right"][value="physics"]').check()
        page.get_by_role("button", name="Save tags").click()
        page.wait_for_url(re.compile(r"/arena/votes/\d+/$"))
        assert page.locator('input[name="left"][value="flicker"]').is_checked()
        browser.close()

    assert errors == []
    vote = Vote.objects.get()
    assert not vote.voided
    assert vote.watched_left >= 0.75
    assert vote.watched_right >= 0.75
    left_generation = vote.generation_a_id if vote.a_on_left else vote.generation_b_id
    tags = set(FailureTag.objects.values_list("generation_id", "kind"))
    assert (left_generation, "flicker") in tags
    assert len(tags) == 2


@pytest.mark.django_db(transaction=True)
def test_a_visitor_votes_blind_then_sees_the_names_and_gets_the_next_pair(live_server, settings):
    if not shutil.which(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    settings.ARENA_REFRESH_DELAY = 0  # leave no delayed refit in the broker for later tests
    models, generations = make_grid(models=3, prompts=1)
    _real_clips(generations)
    names = [m.display_name for m in models]

    # Django refuses database calls from a thread running an event loop, and Playwright's sync
    # API runs one: every query happens before the browser starts or after it stops.
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{live_server.url}/arena/")
        wait_for_player(page)

        labels = page.locator(".cp-clip .cp-label").all_inner_texts()
        assert labels == ["Left", "Right"]
        body = page.inner_text("body")
        assert not any(name in body for name in names)
        assert page.evaluate("comparePlayer.videos.every(v => v.readyState >= 1)")
        assert page.evaluate("comparePlayer.videos[0].duration") == pytest.approx(2, abs=0.1)

        page.get_by_role("button", name="Left is better").click()
        page.wait_for_url(re.compile(r"/arena/votes/\d+/$"))
        reveal = page.locator("[data-arena-reveal]").inner_text()
        shown = [name for name in names if name in reveal]
        assert len(shown) == 2
        assert "You picked the left clip" in page.inner_text("h1")
        left_card = page.locator('[data-side="left"]').inner_text()
        right_card = page.locator('[data-side="right"]').inner_text()

        page.get_by_role("link", name="Next pair").click()
        page.wait_for_url(re.compile(r"/arena/\?pool="))
        wait_for_player(page)
        assert page.locator(".cp-clip .cp-label").all_inner_texts() == ["Left", "Right"]
        browser.close()

    assert errors == []
    vote = Vote.objects.select_related("model_a", "model_b").get()
    assert vote.choice == "left"
    left = vote.model_a if vote.a_on_left else vote.model_b
    right = vote.model_b if vote.a_on_left else vote.model_a
    assert left.display_name in left_card
    assert right.display_name in right_card
