"""A run with several samples per model: the sample links flip every model to sample k at once,
and the synced player keeps playing them together."""

import pytest
from django.core.cache import cache

from benchmarks.models import BenchmarkRun, Generation
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.imports import clip_import
from benchmarks.services.inline import drive_inline
from comparisons.cache import clear_local
from comparisons.services import comparison_publish
from tests.browser.test_site import site_media, wait_until  # noqa: F401 (fixture)
from tests.clips import make_clip
from tests.factories import PromptFactory, ProviderFactory, VideoModelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_samples(media_dirs):
    """Two models, two samples each, in one run; returns (url, {sample: generation ids})."""
    catalog_sync()
    provider = ProviderFactory(slug="studio", name="Studio")
    prompt = PromptFactory(title="Kite in two takes")
    made = []
    for i in range(2):
        model = VideoModelFactory(
            slug=f"take-{i}", plugin_key="manual", display_name=f"Take {i}", provider=provider
        )
        for k, kind in enumerate(["smooth", "flicker"]):
            clip = make_clip(
                media_dirs / f"{i}-{k}.mp4", kind=kind, seconds=3, width=640, height=360
            )
            made.append((clip_import(path=clip, model=model, prompt=prompt, dispatch=False), k))
    drive_inline({g.pk: "transcode" for g, _ in made})
    # Gather the four imports into the first one's run, as samples 0 and 1 of each model.
    run = made[0][0].run
    BenchmarkRun.objects.filter(pk=run.pk).update(samples=2)
    for generation, k in made:
        Generation.objects.filter(pk=generation.pk).update(run=run, sample=k)
    comparison = comparison_publish(run=BenchmarkRun.objects.get(pk=run.pk))
    assert comparison.generations.count() == 4
    cache.clear()
    clear_local()
    by_sample = {k: sorted(f"g{g.pk}" for g, s in made if s == k) for k in (0, 1)}
    return comparison.get_absolute_url(), by_sample


@pytest.fixture
def samples_browser(two_samples):
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def shown_clips(page) -> list[str]:
    return sorted(
        page.eval_on_selector_all("[data-clip-id]", "els => els.map(e => e.dataset.clipId)")
    )


@pytest.mark.usefixtures("site_media")
def test_the_sample_links_flip_every_model_at_once_and_the_player_stays_in_sync(
    live_server, two_samples, samples_browser
):
    url, by_sample = two_samples
    page = samples_browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + url)
    wait_until(page, "window.comparePlayer && comparePlayer.isReady")
    assert shown_clips(page) == by_sample[0]

    page.get_by_role("navigation", name="Samples").get_by_role("link", name="2").click()
    page.wait_for_url("**?sample=1")
    wait_until(page, "window.comparePlayer && comparePlayer.isReady")
    assert shown_clips(page) == by_sample[1]
    assert page.locator("video").count() == 2

    page.get_by_role("button", name="Play").click()
    wait_until(page, "comparePlayer.videos.every(v => !v.paused && v.currentTime > 0.5)")
    page.get_by_role("button", name="Pause").click()
    wait_until(page, "comparePlayer.videos.every(v => v.paused)")
    times = page.evaluate("comparePlayer.videos.map(v => v.currentTime)")
    assert max(times) - min(times) < 0.05

    page.get_by_role("navigation", name="Samples").get_by_role("link", name="1").click()
    page.wait_for_url("**?sample=0")
    assert shown_clips(page) == by_sample[0]
    assert errors == []
