"""The public pages in headless Chromium: no CSP violation or script error, hover previews play,
and nothing overflows a phone screen."""

import shutil

import pytest
from django.conf import settings
from django.urls import reverse

from benchmarks.models import VideoAsset
from tests.browser.media_server import MediaServer
from tests.clips import make_clip
from tests.comparisons.conftest import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium():
    """A headless Chromium; request it after any fixture that touches the database."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(media_dirs, settings):
    """A catalog whose preview tier is a real playable clip (posters stay placeholders)."""
    data = build_catalog(3)
    clip = make_clip(media_dirs / "preview.mp4", seconds=2, audio=False, rotation=0)
    for asset in VideoAsset.objects.filter(tier="preview"):
        target = media_dirs / "media" / asset.key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, target)
    # Read everything the test needs now: Playwright's loop makes later ORM calls fail.
    data["pages"] = _pages(data)
    return data


def _pages(data):
    return [
        reverse("comparisons:home"),
        data["comparisons"][0].get_absolute_url(),
        reverse("comparisons:leaderboard"),
        reverse("comparisons:models"),
        data["models"][0].get_absolute_url(),
        reverse("comparisons:prompts"),
        data["comparisons"][0].prompt.get_absolute_url(),
        reverse("comparisons:methodology"),
    ]


def _watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return errors


def test_a_comparison_card_plays_its_previews_on_hover_and_stops_after(live_server, site, chromium):
    page = chromium.new_page()
    page.goto(live_server.url + reverse("comparisons:home"))
    card = page.locator("[data-hover-preview]").first
    card.hover()
    video = card.locator("video.thumb-video").first
    video.wait_for()
    page.wait_for_function(
        "() => { const v = document.querySelector('video.thumb-video'); "
        "return v && v.currentTime > 0.1 && !v.paused; }",
        timeout=10_000,
    )
    page.mouse.move(1, 1)
    assert card.locator("video.thumb-video").count() == 0


def test_public_pages_fit_a_phone_and_break_no_content_security_policy_rule(
    live_server, site, chromium
):
    page = chromium.new_page(viewport=PHONE, is_mobile=True)
    errors = _watch_errors(page)
    for path in site["pages"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], path
    assert errors == []


@pytest.fixture
def framing(site, media_dirs):
    """The site's clips all playable, and a page on another origin that frames two of its pages."""
    clip = make_clip(media_dirs / "standard.mp4", seconds=2, audio=False, rotation=0)
    for asset in VideoAsset.objects.filter(tier="standard"):
        target = media_dirs / "media" / asset.key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, target)
    comparison = site["comparisons"][0]
    other_origin = MediaServer({}).start()
    yield {
        "server": other_origin,
        "embed": reverse("comparisons:embed", kwargs={"slug": comparison.slug}),
        "detail": comparison.get_absolute_url(),
    }
    other_origin.stop()


def _framing_page(src: str) -> bytes:
    return (
        f"<!doctype html><title>A blog</title><p>Look at this:</p>"
        f'<iframe id="lockstep" src="{src}" width="960" height="640"></iframe>'
    ).encode()


def test_the_embed_plays_in_a_frame_on_another_origin_under_its_csp(live_server, framing, chromium):
    server = framing["server"]
    server.pages["/post.html"] = _framing_page(live_server.url + framing["embed"])
    page = chromium.new_page()
    errors = _watch_errors(page)
    page.goto(server.url + "/post.html")
    frame = page.frame_locator("#lockstep")
    player = frame.locator("[data-compare-player]")
    player.wait_for()
    framed = page.frames[1]
    assert framed.url == live_server.url + framing["embed"]
    framed.wait_for_function(
        "() => document.querySelector('[data-compare-player]').dataset.state !== 'loading'",
        timeout=15_000,
    )
    framed.locator("[data-player-toggle]").click()
    framed.wait_for_function(
        "() => [...document.querySelectorAll('video.cp-video')].every(v => v.currentTime > 0.2)",
        timeout=15_000,
    )
    link = frame.locator("a.embed-back")
    assert link.get_attribute("href") == settings.SITE_URL + framing["detail"]
    assert errors == []


def test_the_rest_of_the_site_refuses_to_be_framed(live_server, framing, chromium):
    server = framing["server"]
    server.pages["/post.html"] = _framing_page(live_server.url + framing["detail"])
    page = chromium.new_page()
    refused = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "frame-ancestors" in msg.text else None
    )
    page.goto(server.url + "/post.html")
    page.wait_for_timeout(1500)
    framed = page.frames[1]
    assert framed.locator("[data-compare-player]").count() == 0
    assert not framed.url.startswith(live_server.url)
    assert refused, "Chromium reports the refused frame"
