"""A visitor votes through the arena page in headless Chromium against a live server."""

import re
import shutil
import time

import pytest
from django.conf import settings

from arena.models import Vote
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


@pytest.mark.django_db(transaction=True)
def test_a_visitor_votes_blind_then_sees_the_names_and_gets_the_next_pair(live_server):
    if not shutil.which(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    models, generations = make_grid(models=3, prompts=1)
    (settings.MEDIA_ROOT / "arena").mkdir()
    clip = make_clip(settings.MEDIA_ROOT / "arena" / "source.mp4", seconds=2, fps=24)
    for generation in generations:  # the playable tier each factory row points at
        shutil.copy(clip, settings.MEDIA_ROOT / "arena" / f"{generation.pk}.mp4")
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
