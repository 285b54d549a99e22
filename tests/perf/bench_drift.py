"""Measure the synced player's drift at 0.5x, 1x and 2x with 2, 4 and 6 clips, several times over.

    .venv/bin/python -m tests.perf.bench_drift --runs 3 [--clips 2 4 6] [--speeds 0.5 1 2]
        [--clip-dir DIR]   # keep the transcoded clips there and reuse them next time
        [--against REV]    # also run git revision REV's player ("was"), alternating, side by side

The clips come out of the site's own transcoder (24/25/30 fps mixed). Prints each run's figures
(the ones tests/browser/test_drift.py asserts), one column per clip count and speed (and per
player with --against), then the median of each figure. Needs Debian's chromium at
/usr/bin/chromium.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

import django
from django.conf import settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clips", type=int, nargs="+", default=[2, 4, 6])
    parser.add_argument("--speeds", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    parser.add_argument("--clip-dir", type=Path, help="make (or reuse) the clips here")
    parser.add_argument("--against", metavar="REV", help="also measure this revision's player")
    args = parser.parse_args()
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure()  # the player template and the transcoder need only the defaults
    django.setup()

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, FIXTURES
    from tests.browser.drift import ALGORITHMS, make_drift_clips, report, run_speed
    from tests.browser.media_server import MediaServer
    from tests.browser.pages import ROOT

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        mounts = {"/static/": ROOT / "static", "/fixtures/": FIXTURES}
        players = ["lockstep"]
        if args.against:  # that revision's static/player, served beside this one
            other = Path(tmp) / "against"
            other.mkdir()
            git = ["git", "-C", str(ROOT), "archive", args.against, "static/player"]
            tree = subprocess.run(git, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(other)], input=tree, check=True)
            mounts["/against/"] = other
            ALGORITHMS["was"] = "/against/static/player/player.js"
            players.append("was")
        server = MediaServer(mounts).start()
        folder = args.clip_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        all_clips, _ = make_drift_clips(folder, server, max(args.clips))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = []
        for i in range(args.runs):
            load_before = os.getloadavg()[0]
            results = {
                f"{n} @ {speed:g}x" + ("" if player == "lockstep" else f" {player}"): run_speed(
                    browser, server, all_clips[:n], speed, player
                )
                for n in args.clips
                for speed in args.speeds
                for player in players
            }
            load = f"{load_before:.1f} at its start, {os.getloadavg()[0]:.1f} at its end"
            print(f"run {i + 1}, load average {load}\n{report(results)}\n", flush=True)
            runs.append(results)
        browser.close()
        server.stop()
    medians = {
        name: {key: statistics.median(r[name][key] for r in runs) for key in runs[0][name]}
        for name in runs[0]
    }
    print(f"median of {args.runs} runs\n{report(medians)}")


if __name__ == "__main__":
    main()
