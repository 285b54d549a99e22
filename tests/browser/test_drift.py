"""Drift of the synced player against the seed's baseline, with the issue's thresholds.

Four clips at 24, 25, 30 and 30 fps with 10 s between keyframes; each algorithm runs the same
sequence in its own fresh browser context in the same test run, and both sets of figures print.
"""

import pytest

from .drift import ALGORITHMS, make_drift_clips, report, run_algorithm

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def drift_clips(tmp_path_factory, media_server):
    return make_drift_clips(tmp_path_factory.mktemp("drift-clips"), media_server)


def test_lockstep_keeps_clips_within_a_frame_where_the_seed_does_not(
    browser, media_server, drift_clips, capsys
):
    clips, throttle_rate = drift_clips
    results = {
        name: run_algorithm(browser, media_server, clips, throttle_rate, name)
        for name in ALGORITHMS
    }
    with capsys.disabled():
        print("\n" + report(results))
    ours = results["lockstep"]
    assert ours["steady_p95"] <= 10
    assert ours["steady_max"] <= 40
    assert ours["seek_all_playing_ms"] <= 1000
    assert ours["seek_spread_at_0_5"] <= 40
    assert ours["seek_p95"] <= 40
    assert ours["resume_p95"] <= 10
    assert ours["slowest_advance"] >= 0.95
    assert ours["throttled_p95"] <= 40
    assert ours["throttled_slowest_advance"] >= 0.70
