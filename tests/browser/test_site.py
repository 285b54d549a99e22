"""A visitor clicks through the real site in headless Chromium: home, a comparison made by the
pipeline, and every player control (play, pause, seek, frame step, tier switch, wipe)."""

import time

import pytest
from django.core.cache import cache

from benchmarks.models import VideoModel
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.imports import clip_import
from benchmarks.services.inline import drive_inline
from comparisons.cache import clear_local
from comparisons.services import comparison_publish
from tests.clips import make_clip
from tests.factories import PromptFactory, ProviderFactory, VideoModelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(media_dirs):
    """Three models' clips of one prompt, imported through the pipeline, published together."""
    catalog_sync()
    provider = ProviderFactory(slug="studio", name="Studio")
    prompt = PromptFactory(title="Kite over a hill")
    generations = []
    for i, kind in enumerate(["smooth", "flicker", "static"]):
        model = VideoModelFactory(
            slug=f"studio-{i}", plugin_key="manual", display_name=f"Studio {i}", provider=provider
        )
        clip = make_clip(media_dirs / f"{kind}.mp4", kind=kind, seconds=3, width=640, height=360)
        generations.append(clip_import(path=clip, model=model, prompt=prompt, dispatch=False))
    drive_inline({g.pk: "transcode" for g in generations})
    # Each import is its own run; one comparison shows the three clips side by side.
    comparison = comparison_publish(run=generations[0].run)
    comparison.generations.set(generations)
    cache.clear()
    clear_local()
    assert VideoModel.objects.filter(slug__startswith="studio-").count() == 3
    return comparison.get_absolute_url(), comparison.title


@pytest.fixture
def site_media(monkeypatch):
    """Let the site's own media view (with Range support) answer, as `make run` does.

    Django's live server otherwise serves MEDIA_URL itself, whole files only, and a browser
    can't seek in a video served that way.
    """
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


@pytest.fixture
def site_browser(published, site_media):
    """A Chromium of this test's own, started after (and stopped before) the database work:
    Playwright's event loop makes Django refuse ORM calls while it runs."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def wait_until(page, expression, *, timeout=15.0):
    """Poll a JS expression (wait_for_function needs eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            state = page.evaluate("comparePlayer.videos.map(v => [v.currentTime, v.paused])")
            pytest.fail(f"Timed out waiting for {expression}: {state}")
        page.wait_for_timeout(50)


def clock(page) -> list[float]:
    return page.evaluate("comparePlayer.videos.map(v => v.currentTime)")


def test_a_visitor_goes_from_home_to_a_comparison_and_uses_every_control(
    live_server, published, site_browser
):
    url, title = published
    page = site_browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)

    page.goto(live_server.url + "/")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(f"**{url}")
    assert page.locator("video").count() >= 3
    wait_until(page, "window.comparePlayer && comparePlayer.isReady")

    page.get_by_role("button", name="Play").click()
    wait_until(page, "comparePlayer.videos.every(v => !v.paused && v.currentTime > 0.5)")
    page.get_by_role("button", name="Pause").click()
    wait_until(page, "comparePlayer.videos.every(v => v.paused)")
    times = clock(page)
    assert max(times) - min(times) < 0.05  # paused together, on one frame

    page.get_by_role("slider", name="Seek").fill("1.5")
    wait_until(page, "comparePlayer.videos.every(v => Math.abs(v.currentTime - 1.5) < 0.05)")

    before = clock(page)[0]
    page.get_by_role("button", name="Next frame").click()
    wait_until(page, f"comparePlayer.videos.every(v => v.currentTime > {before} + 0.02)")
    stepped = clock(page)
    assert all(0.02 < t - before < 0.07 for t in stepped), stepped  # one frame is 1/24 s
    page.get_by_role("button", name="Previous frame").click()
    wait_until(page, f"comparePlayer.videos.every(v => v.currentTime < {stepped[0]} - 0.02)")

    page.get_by_label("Quality").select_option("preview")
    wait_until(page, "comparePlayer.videos.every(v => v.currentSrc.includes('/preview/'))")
    wait_until(page, "comparePlayer.videos.every(v => Math.abs(v.currentTime - 1.5) < 0.1)")

    wipe = page.get_by_role("button", name="Wipe view")
    wipe.click()
    assert wipe.get_attribute("aria-pressed") == "true"
    assert page.get_by_role("slider", name="Wipe position").is_visible()
    page.get_by_role("slider", name="Wipe position").fill("30")

    assert errors == []
