"""Browser fixtures: headless Debian Chromium, a loopback media server and generated clips.

`browser` is session-scoped and reusable by any browser test:

    @pytest.mark.browser
    def test_something(browser):
        page = browser.new_page()
"""

import shutil
from pathlib import Path

import pytest

from tests.clips import make_clip

from .media_server import MediaServer
from .pages import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Debian's package, never a downloaded one), shared by the session."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    """Short clips for the player's behaviour tests: three rates, one clip shorter than the rest."""
    folder = tmp_path_factory.mktemp("player-clips")
    for name, fps, seconds in [("a", 24, 6), ("b", 25, 6), ("c", 30, 4)]:
        for tier, (width, height) in [("standard", (640, 360)), ("preview", (320, 180))]:
            make_clip(folder / f"{name}-{tier}.mp4", fps=fps, seconds=seconds, width=width,
                      height=height, keyframe_seconds=2)  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def media_server(clip_dir):
    """Serve the repo's static files, the test clips and the baseline player on loopback."""
    server = MediaServer({
        "/static/": ROOT / "static", "/media/": clip_dir, "/fixtures/": FIXTURES,
    }).start()  # fmt: skip
    yield server
    server.stop()
