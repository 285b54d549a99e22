"""The public pages in headless Chromium: no CSP violation or script error, hover previews play,
and nothing overflows a phone screen."""

import shutil

import pytest
from django.conf import settings
from django.urls import reverse

from benchmarks.models import BenchmarkRun, PromptPattern, QualityReport, VideoAsset
from media_pipeline.metrics import ALGORITHM_VERSION
from tests.browser.media_server import MediaServer
from tests.clips import make_clip
from tests.comparisons.conftest import add_clip, build_catalog

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
    _add_samples_sound_and_patterns(data)
    clip = make_clip(media_dirs / "preview.mp4", seconds=2, audio=False, rotation=0)
    for asset in VideoAsset.objects.filter(tier="preview"):
        target = media_dirs / "media" / asset.key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, target)
    # Read everything the test needs now: Playwright's loop makes later ORM calls fail.
    data["pages"] = _pages(data)
    return data


def _add_samples_sound_and_patterns(data):
    """Give the first comparison what the newer markup shows: two samples per model (the sample
    links and the "Across samples" table), a clip with sound (badge and loudness) and one asked
    with sound that came back silent, and long prompt patterns on its model and prompt pages."""
    comparison = data["comparisons"][0]
    run = comparison.run
    BenchmarkRun.objects.filter(pk=run.pk).update(samples=2, audio="on")
    run.refresh_from_db()
    shown = list(comparison.generations.all())
    for generation in shown:
        comparison.generations.add(add_clip(run, generation.video_model, sample=1))
    loud, silent = shown[0], shown[1]
    QualityReport.objects.filter(generation=loud).update(
        loudness_lufs=-23.4, silence_fraction=0.02, algorithm_version=ALGORITHM_VERSION
    )
    QualityReport.objects.filter(generation=silent).update(
        loudness_lufs=-70.0, silence_fraction=1.0, algorithm_version=ALGORITHM_VERSION
    )
    long_note = "Name one camera move per shot and say how fast it goes; " * 4
    for model in data["models"]:
        PromptPattern.objects.create(
            video_model=model, category=comparison.prompt.category,
            what_works=long_note, what_fails="Two moves at once: it picks one, or neither.",
            example_prompt="Slow dolly in on a lighthouse at dusk, waves breaking below, " * 3,
        )  # fmt: skip


def _pages(data):
    comparison = data["comparisons"][0]
    return [
        reverse("comparisons:home"),
        comparison.get_absolute_url(),
        comparison.get_absolute_url() + "?sample=1",
        reverse("comparisons:embed", kwargs={"slug": comparison.slug}),
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
    seen = set()
    for path in site["pages"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], path
        # The newer markup is on screen whole, not cut off by a container (tables scroll).
        for selector in NEWER_MARKUP:
            for box in page.locator(selector).evaluate_all(
                "els => els.map(e => { const r = e.getBoundingClientRect(); "
                "return [r.left, r.right]; })"
            ):
                seen.add(selector)
                assert box[0] >= 0, (path, selector, box)
                assert box[1] <= PHONE["width"], (path, selector, box)
    assert seen == set(NEWER_MARKUP)
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


#: Markup added without styles by other branches, checked on a phone.
NEWER_MARKUP = (
    ".sample-switch", ".sample-switch .button", ".badge-sound", ".metrics .badge-warn",
    ".pattern", ".pattern .prompt-text", ".embed-head", ".embed-back", "h2#samples-heading",
)  # fmt: skip


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
    # "Copy link to this moment" gives the comparison page at the shown time, not the embed.
    shared = framed.evaluate("() => window.comparePlayer.shareUrl()")
    assert shared.startswith(settings.SITE_URL + framing["detail"] + "?t=")
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
