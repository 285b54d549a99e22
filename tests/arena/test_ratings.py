"""The Bradley–Terry fit: it recovers a known ordering from simulated votes, and its edges."""

import numpy as np

from arena.ratings import (
    BASE,
    OUTCOME_SCORE,
    PRIOR_GAMES,
    SCALE,
    TOLERANCE,
    Kinds,
    compress,
    fit,
    fit_strengths,
    resample_strengths,
)

#: True Elo-scale strengths of eight simulated models.
TRUE = {1: 1300, 2: 1210, 3: 1120, 4: 1040, 5: 960, 6: 880, 7: 790, 8: 700}


def simulate(n_votes, *, tie_rate=0.0, seed=7):
    """Return (a, b, outcome) votes drawn from the Bradley–Terry model with TRUE strengths."""
    rng = np.random.default_rng(seed)
    ids = list(TRUE)
    rows = []
    for _ in range(n_votes):
        a, b = (int(x) for x in rng.choice(ids, 2, replace=False))
        p_a = 1 / (1 + 10 ** ((TRUE[b] - TRUE[a]) / 400))
        outcome = "tie" if rng.random() < tie_rate else "a" if rng.random() < p_a else "b"
        rows.append((a, b, outcome))
    return rows


def test_the_fit_recovers_a_known_ordering_and_scale_from_simulated_votes():
    results = fit(simulate(6000), rounds=200, seed=1)
    assert [r.model_id for r in results] == sorted(TRUE, key=TRUE.get, reverse=True)
    mean = sum(TRUE.values()) / len(TRUE)
    inside = [r.lower <= TRUE[r.model_id] - mean + BASE <= r.upper for r in results]
    # A 95 % interval misses now and then; nearly all of them must hold the true value.
    assert sum(inside) >= 7
    for r in results:
        assert abs(r.rating - (TRUE[r.model_id] - mean + BASE)) < 45
        assert r.lower <= r.rating <= r.upper
    assert abs(np.mean([r.rating for r in results]) - BASE) < 1e-6


def test_ties_count_half_a_win_each_way_and_keep_the_order():
    results = fit(simulate(6000, tie_rate=0.2, seed=3), rounds=50, seed=1)
    assert [r.model_id for r in results] == sorted(TRUE, key=TRUE.get, reverse=True)
    only_ties = fit([(1, 2, "tie")] * 40 + [(1, 2, "both_bad")] * 40, rounds=20, seed=1)
    assert abs(only_ties[0].rating - only_ties[1].rating) < 1e-6
    assert only_ties[0].wins == only_ties[1].wins == 40


def test_a_model_that_always_wins_gets_a_finite_rating():
    results = fit([(1, 2, "a")] * 30, rounds=50, seed=1)
    assert results[0].model_id == 1
    assert np.isfinite(results[0].rating)
    assert results[0].rating > results[1].rating
    assert results[0].votes == results[1].votes == 30


def test_intervals_narrow_with_more_votes():
    few = {r.model_id: r.width for r in fit(simulate(300, seed=5), rounds=100, seed=2)}
    many = {r.model_id: r.width for r in fit(simulate(6000, seed=5), rounds=100, seed=2)}
    assert all(many[m] < few[m] for m in TRUE)


def test_rank_spread_covers_the_ranks_the_intervals_allow():
    results = fit(simulate(400, seed=11), rounds=200, seed=3)
    for r in results:
        assert r.rank_best <= r.rank <= r.rank_worst
    # With 400 votes the top and bottom models are told apart, neighbours in the middle are not.
    assert results[0].rank_worst < len(results)
    assert any(r.rank_worst > r.rank_best for r in results)


def test_fewer_than_two_models_give_no_ratings():
    assert fit([]) == []


def _win_matrix(rows, n):
    """Return W[i, j] = wins of model i + 1 over model j + 1 in (a, b, outcome) rows."""
    wins = np.zeros((n, n))
    for a, b, outcome in rows:
        score = OUTCOME_SCORE[outcome]
        wins[a - 1, b - 1] += score
        wins[b - 1, a - 1] += 1 - score
    return wins


def _mm_step(wins, theta):
    """Return one step of Hunter's MM from log-strengths `theta`, written out densely."""
    p = np.exp(theta)
    games = wins + wins.T
    denominator = (games / (p[:, None] + p[None, :])).sum(axis=1) + PRIOR_GAMES / (p + 1)
    new = np.log((wins.sum(axis=1) + PRIOR_GAMES / 2) / denominator)
    return new - new.mean()


def test_a_long_chain_of_models_is_fitted_to_the_fixed_point_of_hunters_mm():
    # 300 models that each met only their neighbours: MM crawls along the chain, its steps tiny
    # long before it arrives. It used to stop at the first step under TOLERANCE; MM run on
    # from there went on moving every rating.
    rng = np.random.default_rng(2)
    outcome = lambda: "a" if rng.random() < 0.6 else "b"  # noqa: E731
    rows = [(i, i + 1, outcome()) for i in range(1, 300) for _ in range(20)]
    results = sorted(fit(rows, rounds=0), key=lambda r: r.model_id)
    theta = start = (np.array([r.rating for r in results]) - BASE) / SCALE
    wins = _win_matrix(rows, 300)
    for _ in range(2000):
        theta = _mm_step(wins, theta)
    assert np.abs(theta - start).max() < TOLERANCE


def test_every_bootstrap_resample_is_fitted_to_its_own_fixed_point():
    rows = simulate(2000, tie_rate=0.1, seed=4)
    model_ids, pairs, counts = compress(rows)
    kinds = Kinds(pairs, len(model_ids))
    theta, jacobian = fit_strengths(kinds, counts)
    rng = np.random.default_rng(5)
    resampled = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=50)
    samples = resample_strengths(kinds, resampled, start=theta, jacobian=jacobian)
    won, games = kinds.sums(resampled)
    # At a fixed point, one more MM step moves nothing.
    assert np.abs(kinds.change(samples, won, games)).max() < TOLERANCE
    assert not np.allclose(samples, theta)  # resamples differ from the point fit
