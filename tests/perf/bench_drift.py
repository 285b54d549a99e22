"""Measure the synced player's drift against the seed's baseline, several times over.

    .venv/bin/python -m tests.perf.bench_drift --runs 3

Prints each run's figures (the same ones tests/browser/test_drift.py asserts) and the median of
each figure per algorithm. Needs Debian's chromium at /usr/bin/chromium.
"""

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import django
from django.conf import settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure()  # the player template needs only Django's defaults
    django.setup()

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, FIXTURES
    from tests.browser.drift import ALGORITHMS, make_drift_clips, report, run_algorithm
    from tests.browser.media_server import MediaServer
    from tests.browser.pages import ROOT

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = MediaServer({"/static/": ROOT / "static", "/fixtures/": FIXTURES}).start()
        clips, throttle_rate = make_drift_clips(Path(tmp), server)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = []
        for i in range(args.runs):
            results = {
                n: run_algorithm(browser, server, clips, throttle_rate, n) for n in ALGORITHMS
            }
            print(f"run {i + 1}, load average {os.getloadavg()[0]:.1f}\n{report(results)}\n")
            runs.append(results)
        browser.close()
        server.stop()
    medians = {
        name: {key: statistics.median(r[name][key] for r in runs) for key in runs[0][name]}
        for name in ALGORITHMS
    }
    print(f"median of {args.runs} runs\n{report(medians)}")


if __name__ == "__main__":
    main()
