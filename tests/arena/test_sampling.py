"""The pair plan (arena/sampling.py) and a small run of the sampling simulation."""

import time

import pytest

from arena.sampling import Plan, pair_weights, plan
from tests.perf import sim_sampling


def test_the_plan_spreads_the_next_votes_and_leaves_pairs_it_does_not_need_out():
    shares = plan({1: 1000.0, 2: 1050.0, 3: 950.0}, {})
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(x < y for x, y in shares)
    assert plan({1: 1000.0}, {}) == {}


def test_the_plan_sends_a_wide_models_votes_to_near_even_opponents():
    # Model 1 is new; 2 (even with it) and 3 (400 points below) are equally well known.
    ratings = {1: 1000.0, 2: 1000.0, 3: 600.0}
    shares = plan(ratings, {(2, 3): 500, (1, 2): 2, (1, 3): 2})
    assert shares.get((1, 2), 0) > 2 * shares.get((1, 3), 0)
    assert shares.get((2, 3), 0) < 0.1  # the known pair waits


def test_the_plan_goes_to_the_widest_interval_first():
    ratings = {m: 1000.0 + 10 * m for m in range(6)}
    games = {(x, y): 40 for x in range(1, 6) for y in range(x + 1, 6)}  # model 0 never played
    shares = plan(ratings, games, votes=10)
    assert sum(share for pair, share in shares.items() if 0 in pair) == pytest.approx(1.0)


def test_a_model_no_fit_rated_takes_the_targeted_share():
    plans = {"t2v": Plan(models=frozenset({1, 2}), shares={(1, 2): 1.0})}
    pairs = [("t2v", 1, 2), ("t2v", 1, 3), ("t2v", 2, 3)]
    weights = pair_weights(pairs, plans, exploration=0.1)
    assert sum(weights) == pytest.approx(1.0)
    assert weights[0] == pytest.approx(0.1 / 3)  # exploration only
    assert weights[1] == weights[2] == pytest.approx(0.1 / 3 + 0.9 / 2)


def test_pairs_draw_evenly_without_a_plan():
    pairs = [("t2v", 1, 2), ("t2v", 1, 3)]
    plans = {"t2v": Plan(models=frozenset({1, 2, 3}))}  # a fit stored before plans existed
    assert pair_weights(pairs, plans, exploration=0.1) == [0.5, 0.5]


def test_targeted_pairs_need_far_fewer_votes_than_uniform_in_a_small_simulation():
    # tests/perf/sim_sampling.py at 3 runs instead of 20 (docs/arena.md has the full figure).
    needed = sim_sampling.compare(runs=3, width=100.0, models=10, spread=80.0)
    assert sim_sampling.saving(needed) >= 0.3, needed


def test_a_plan_for_three_hundred_models_is_made_in_seconds_and_drawn_from_in_milliseconds():
    ratings = {m: 1000.0 + (m % 30) * 10 for m in range(300)}
    games = {(x, x + d): 5 for x in range(300) for d in (1, 2, 3) if x + d < 300}
    started = time.perf_counter()
    shares = plan(ratings, games)
    made = time.perf_counter() - started
    plans = {"t2v": Plan(models=frozenset(ratings), shares=shares)}
    pairs = [("t2v", x, y) for x in range(300) for y in range(x + 1, 300)]
    started = time.perf_counter()
    weights = pair_weights(pairs, plans, exploration=0.1)
    drawn = time.perf_counter() - started
    assert sum(weights) == pytest.approx(1.0)
    assert made < 30  # once per refit, in the worker (measured ~2 s; the machine is shared)
    assert drawn < 1  # per request, all 44,850 pairs of 300 models (measured ~30 ms)
