"""Bradley–Terry ratings from pairwise votes, with bootstrap 95 % intervals and rank spreads.

The fit is Hunter's MM algorithm ("MM algorithms for generalized Bradley–Terry models", 2004) in
numpy, run on all bootstrap resamples at once. A tie (and "both bad", which says the same about
the pair) counts as half a win each way. Every model also plays one virtual game against an
average opponent, half won and half lost: a weak prior that keeps a model with only wins (or only
losses) finite instead of running off to infinity, and that matters less the more votes there are.

Ratings are on the Elo scale people know: 400 points is 10:1 odds, the pool's mean is 1000.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

BASE = 1000.0
SCALE = 400.0 / math.log(10.0)
#: Virtual games each model plays against an average opponent (half won): the prior's weight.
PRIOR_GAMES = 1.0
MAX_ITERATIONS = 5000
TOLERANCE = 1e-9
#: Score of model A for each outcome; ties and "both bad" are half a win each way.
OUTCOME_SCORE = {"a": 1.0, "b": 0.0, "tie": 0.5, "both_bad": 0.5}


@dataclass(frozen=True)
class ModelRating:
    """One model's place in a fit."""

    model_id: int
    rating: float
    lower: float
    upper: float
    votes: int
    wins: float
    rank: int
    rank_best: int
    rank_worst: int

    @property
    def width(self) -> float:
        return self.upper - self.lower


def compress(rows: Iterable[tuple]) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Return (model ids, pairs, counts) from (model_a, model_b, outcome[, votes]) rows.

    A row is one vote, or `votes` of them when the database counted them (`fit_counts`).
    `pairs` is a (K, 3) array of (index a, index b, score of a); `counts` how many votes each has.
    Resampling these K distinct kinds of vote is the same as resampling the votes themselves.
    The kinds are sorted: the same votes give the same arrays whatever order they come in.
    """
    kinds: dict[tuple[int, int, float], int] = {}
    for a, b, outcome, *votes in rows:
        key = (a, b, OUTCOME_SCORE[outcome])
        kinds[key] = kinds.get(key, 0) + (votes[0] if votes else 1)
    kinds = dict(sorted(kinds.items()))
    model_ids = sorted({m for a, b, _ in kinds for m in (a, b)})
    index = {m: i for i, m in enumerate(model_ids)}
    pairs = np.array([(index[a], index[b], s) for a, b, s in kinds], dtype=float).reshape(-1, 3)
    counts = np.array(list(kinds.values()), dtype=float)
    return model_ids, pairs, counts


def win_matrices(pairs: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """Return W[..., i, j] = wins of i over j for each row of `counts` (shape (..., K))."""
    counts = np.atleast_2d(counts)
    wins = np.zeros((counts.shape[0], n, n))
    a, b, score = pairs[:, 0].astype(int), pairs[:, 1].astype(int), pairs[:, 2]
    for k in range(len(score)):
        wins[:, a[k], b[k]] += counts[:, k] * score[k]
        wins[:, b[k], a[k]] += counts[:, k] * (1.0 - score[k])
    return wins


def fit_strengths(wins: np.ndarray) -> np.ndarray:
    """Return log-strengths (mean 0) for each win matrix in `wins` (shape (B, n, n))."""
    games = wins + np.swapaxes(wins, 1, 2)
    won = wins.sum(axis=2) + PRIOR_GAMES / 2
    p = np.ones(wins.shape[:2])
    for _ in range(MAX_ITERATIONS):
        denominator = (games / (p[:, :, None] + p[:, None, :])).sum(axis=2) + PRIOR_GAMES / (p + 1)
        new = won / denominator
        new /= np.exp(np.log(new).mean(axis=1, keepdims=True))
        change = np.abs(np.log(new) - np.log(p)).max()
        p = new
        if change < TOLERANCE:
            break
    return np.log(p)


def to_points(theta: np.ndarray) -> np.ndarray:
    """Return log-strengths on the Elo scale, centred on BASE."""
    return BASE + SCALE * (theta - theta.mean(axis=-1, keepdims=True))


def covariance(theta: np.ndarray, games: np.ndarray) -> np.ndarray:
    """Return the covariance of the centred log-strengths `theta` (shape (n,)).

    `games[i, j]` is how many votes i and j had (symmetric). It is the inverse of the fit's
    Fisher information, each vote adding p(1 − p) for the pair and the prior's virtual game
    p(1 − p) against the average model, centred as the ratings are (to_points).
    """
    n = len(theta)
    p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))
    info = games * p * (1.0 - p)
    prior = PRIOR_GAMES * np.exp(theta) / (1.0 + np.exp(theta)) ** 2
    centre = np.eye(n) - 1.0 / n
    return centre @ np.linalg.inv(np.diag(info.sum(axis=1) + prior) - info) @ centre


def width_of(variance):
    """Return the 95 % interval width in rating points of a log-strength `variance`."""
    return 2 * 1.96 * SCALE * np.sqrt(variance)


def rank_spread(ratings: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """Return (rank, best rank, worst rank) per model; the spread is what the intervals allow.

    A model cannot rank above a model whose whole interval is above its own, and cannot rank
    below one whose whole interval is below it.
    """
    order = np.argsort(-ratings, kind="stable")
    rank = np.empty(len(ratings), dtype=int)
    rank[order] = np.arange(1, len(ratings) + 1)
    surely_better = (lower[None, :] > upper[:, None]).sum(axis=1)
    surely_worse = (upper[None, :] < lower[:, None]).sum(axis=1)
    return rank, 1 + surely_better, len(ratings) - surely_worse


def fit(rows: Iterable[tuple], *, rounds: int = 200, seed: int | None = None) -> list[ModelRating]:
    """Fit Bradley–Terry ratings to (model_a, model_b, outcome[, votes]) rows, best first.

    The interval of each rating is the 2.5th to 97.5th percentile over `rounds` bootstrap
    resamples of the votes.
    """
    model_ids, pairs, counts = compress(rows)
    n = len(model_ids)
    if n < 2:
        return []
    rating = to_points(fit_strengths(win_matrices(pairs, counts, n)))[0]
    if rounds:
        rng = np.random.default_rng(seed)
        resampled = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=rounds)
        samples = to_points(fit_strengths(win_matrices(pairs, resampled, n)))
        lower, upper = np.percentile(samples, [2.5, 97.5], axis=0)
        # The point estimate is from all votes; keep it inside its own interval.
        lower, upper = np.minimum(lower, rating), np.maximum(upper, rating)
    else:
        lower = upper = rating
    wins = win_matrices(pairs, counts, n)[0]
    votes = (wins + wins.T).sum(axis=1)
    rank, best, worst = rank_spread(rating, lower, upper)
    results = [
        ModelRating(
            model_id=model_ids[i],
            rating=float(rating[i]),
            lower=float(lower[i]),
            upper=float(upper[i]),
            votes=int(round(votes[i])),
            wins=float(wins[i].sum()),
            rank=int(rank[i]),
            rank_best=int(best[i]),
            rank_worst=int(worst[i]),
        )
        for i in range(n)
    ]
    return sorted(results, key=lambda r: r.rank)
