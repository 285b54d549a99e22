"""The public pages in headless Chromium: no CSP violation or script error, hover previews play,
and nothing overflows a phone screen."""

import shutil

import pytest
from django.urls import reverse

from benchmarks.models import VideoAsset
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
        reverse("comparisons:breakeven"),
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


KNOWN_INPUTS = {"api_cost_per_clip": "0.50", "gpu_hour_price": "2", "gpus": "1",
                "minutes_per_clip": "6", "monthly_volume": "3000"}  # fmt: skip


def test_the_break_even_calculator_updates_live_without_breaking_the_csp(live_server, chromium):
    page = chromium.new_page()
    errors = _watch_errors(page)
    page.goto(live_server.url + reverse("comparisons:breakeven"))
    assert page.locator('[data-figure="selfhost-monthly"]').inner_text() == "$8,000.00"

    for name, value in KNOWN_INPUTS.items():
        page.fill(f'input[name="{name}"]', value)
    page.wait_for_function(  # the API's bill at the volume typed last
        "() => document.querySelector('[data-figure=\"api-monthly\"]').textContent === '$1,500.00'",
        timeout=10_000,
    )

    assert page.locator('[data-figure="break-even"]').inner_text() == "2920 clips a month"
    assert page.locator('[data-figure="selfhost-monthly"]').inner_text() == "$1,460.00"
    assert page.locator("#breakeven-results svg.chart").count() == 1
    assert "monthly_volume=3000" in page.url  # the address can be shared
    assert errors == []


def test_the_break_even_calculator_works_as_a_plain_form_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("comparisons:breakeven"))
    for name, value in KNOWN_INPUTS.items():
        page.fill(f'input[name="{name}"]', value)

    page.click("form[data-breakeven] button[type=submit]")

    page.wait_for_url("**/break-even/?*")
    assert page.locator('[data-figure="break-even"]').inner_text() == "2920 clips a month"
    context.close()
