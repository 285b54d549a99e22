"""Capture the screenshots of a running Lockstep site with Debian's Chromium.

How the committed ones were made (a scratch SQLite, all clips synthetic)::

    export LOCKSTEP_VAR_DIR=/tmp/shots-var
    python manage.py migrate && python manage.py seed_demo --runs 3
    python manage.py shell < docs/screenshots/rebench.py   # one re-benchmark: "then vs now"
    python manage.py runserver 127.0.0.1:8765 --noreload
    python docs/screenshots/capture.py http://127.0.0.1:8765 docs/screenshots
"""

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def pages(base: str, page) -> dict[str, str]:
    """Return name -> URL of the pages to capture (the comparison is the first on home)."""
    page.goto(base + "/")
    href = page.locator(".card-link").first.get_attribute("href")
    return {"home": "/", "comparison": href, "leaderboard": "/leaderboard/"}


def main(base: str, out: Path, only: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for device, (width, height) in WIDTHS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                is_mobile=device == "phone",
                has_touch=device == "phone",
            )
            page = context.new_page()
            for name, path in pages(base, page).items():
                if only and name not in only:
                    continue
                page.goto(base + path, wait_until="networkidle")
                # Scroll through once so lazy posters load, then let the player's frames paint.
                page.evaluate(
                    "async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) "
                    "{ window.scrollTo(0, y); await new Promise(r => setTimeout(r, 60)); } "
                    "window.scrollTo(0, 0); }"
                )
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1500)
                target = out / f"{name}-{device}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    base = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8765"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent
    main(base, out, [a for a in sys.argv[3:] if re.match(r"^\w+$", a)])
