"""Rewrite the player's screenshots, docs/screenshots/player-*.png, at 390 x 844 and 1366 x 900.

    .venv/bin/python docs/screenshots/player_capture.py [OUT_DIR]

Renders the player include on the browser tests' stand-alone page with four generated clips
(24/25/30/24 fps, one with a long label), served from loopback, in Debian's Chromium: the grid
view and the wipe view at each size, and on the phone the one-clip view a swipe shows.
tests/browser/test_player.py asserts the same layouts (controls on screen with the clips on a
phone, nothing clipped, whole Solo buttons in wipe view, the swipe).
"""

import sys
import tempfile
from pathlib import Path

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}
CLIPS = [("a", "Runway Gen-4.5", 24), ("b", "Kling 2.1 Master", 25), ("c", "Veo 3", 30),
         ("d", "A model with a rather long name", 24)]  # fmt: skip


def main(out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    settings.configure()
    django.setup()
    from playwright.sync_api import sync_playwright

    from tests.browser.clips import make_clip
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.media_server import MediaServer
    from tests.browser.pages import player_clip, player_page

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        clips = []
        for name, label, fps in CLIPS:
            make_clip(Path(tmp) / f"{name}.mp4", fps=fps, seconds=6, size="1280x720",
                      keyframe_seconds=1)  # fmt: skip
            clips.append(player_clip(name, label, fps=fps, duration=6, width=1280, height=720,
                                     sources={"standard": f"/media/{name}.mp4"}))  # fmt: skip
        server = MediaServer({"/static/": ROOT / "static", "/media/": Path(tmp)}).start()
        server.pages["/player.html"] = player_page(clips)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for device, (width, height) in SIZES.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                is_mobile=device == "phone",
                has_touch=device == "phone",
            )
            page = context.new_page()
            page.goto(server.url + "/player.html")
            while not page.evaluate("window.comparePlayer && comparePlayer.isReady"):
                page.wait_for_timeout(100)
            page.evaluate("comparePlayer.seek(2.4)")
            page.evaluate("document.querySelector('.cp-stage').scrollIntoView()")
            page.wait_for_timeout(800)
            views = ("grid", "single", "wipe") if device == "phone" else ("grid", "wipe")
            for view in views:
                if view == "single":  # one clip at a time, as a sideways swipe shows it
                    page.get_by_role("button", name="One clip at a time").click()
                    page.get_by_role("button", name="Next clip").click()
                    page.evaluate("document.querySelector('.cp-stage').scrollIntoView()")
                    page.wait_for_timeout(300)
                if view == "wipe":
                    if device == "phone":
                        page.get_by_role("button", name="One clip at a time").click()  # back
                    page.get_by_role("button", name="Wipe view").click()
                    page.wait_for_timeout(300)
                target = out / f"player-{view}-{width}x{height}.png"
                page.screenshot(path=str(target))
                print(target)
            context.close()
        browser.close()
        server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
