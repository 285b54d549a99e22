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


#: The thresholds of the issue, for the lockstep player.
THRESHOLDS = [
    ("steady_p95", "<=", 10),
    ("steady_max", "<=", 40),
    ("seek_all_playing_ms", "<=", 1000),
    ("seek_spread_at_0_5", "<=", 40),
    ("seek_p95", "<=", 40),
    ("resume_p95", "<=", 10),
    ("slowest_advance", ">=", 0.95),
    ("throttled_p95", "<=", 40),
    ("throttled_slowest_advance", ">=", 0.70),
]
#: A 2-core machine sometimes starves one decoder for a whole measurement window; a second
#: side-by-side measurement tells that apart from a player that drifts.
ATTEMPTS = 2


def misses(ours: dict) -> list[str]:
    """Return the thresholds `ours` does not meet, in words."""
    return [
        f"{key} = {ours[key]:.3f} (needs {op} {limit})"
        for key, op, limit in THRESHOLDS
        if not (ours[key] <= limit if op == "<=" else ours[key] >= limit)
    ]


def test_lockstep_keeps_clips_within_a_frame_where_the_seed_does_not(
    browser, media_server, drift_clips, capsys
):
    clips, throttle_rate = drift_clips
    for attempt in range(1, ATTEMPTS + 1):
        results = {
            name: run_algorithm(browser, media_server, clips, throttle_rate, name)
            for name in ALGORITHMS
        }
        missed = misses(results["lockstep"])
        with capsys.disabled():
            print(f"\nattempt {attempt} of {ATTEMPTS}\n" + report(results))
        if not missed:
            return
    pytest.fail("lockstep missed: " + "; ".join(missed))
