"""Bradley–Terry ratings from pairwise votes, with bootstrap 95 % intervals and rank spreads.

The ratings are the fixed point of Hunter's MM algorithm ("MM algorithms for generalized
Bradley–Terry models", 2004), each step centred on a mean log-strength of 0. MM itself crawls
where models meet only a few others, so the fixed point is found by Newton's method on it
(`fit_strengths`), and every bootstrap resample starts from the point fit with Newton steps that
share the point fit's Jacobian, all resamples at once (`resample_strengths`). Both read each
model's wins and each model pair's games (`Kinds`), never an n × n matrix per resample.

A tie (and "both bad", which says the same about the pair) counts as half a win each way. Every
model also plays one virtual game against an average opponent, half won and half lost: a weak
prior that keeps a model with only wins (or only losses) finite instead of running off to
infinity, and that matters less the more votes there are.

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
#: A fit stops when Newton's step (about the distance left to MM's fixed point) moves no
#: log-strength by more than this.
TOLERANCE = 1e-9
#: Newton steps at most (a fit takes about ten: the posterior mode, then MM's fixed point).
MAX_NEWTON_STEPS = 100
#: Steps a bootstrap resample takes with the point fit's Jacobian before it is fitted alone.
SHARED_STEPS = 60
#: Resamples fitted together: bounds the (rounds, kinds) arrays of a fit with many kinds.
CHUNK_CELLS = 4_000_000
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


class Kinds:
    """What `compress`'s kinds of vote add up to: each model's wins and each model pair's games.

    A fit reads only those two sums, so its work per iteration grows with the model pairs that
    met (most pairs of 300 models never do), not with n² and never with the votes. `pairs`
    holds one row per pair of models that met, in the order voted (a, b); the kinds of one
    pair are adjacent, as `compress` sorts them.
    """

    def __init__(self, pairs: np.ndarray, n: int):
        a, b = pairs[:, 0].astype(int), pairs[:, 1].astype(int)
        self.n, self.score = n, pairs[:, 2]
        self.pair_starts = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
        self.a, self.b = a[self.pair_starts], b[self.pair_starts]
        self._won_a, self._won_b = _Scatter(a, n), _Scatter(b, n)
        self._pair_a, self._pair_b = _Scatter(self.a, n), _Scatter(self.b, n)

    def sums(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (wins per model with the prior's half game, games per pair) of each row of
        `counts` (votes of each kind, shape (B, K))."""
        won = self._won_a(counts * self.score) + self._won_b(counts * (1.0 - self.score))
        return won + PRIOR_GAMES / 2, np.add.reduceat(counts, self.pair_starts, axis=1)

    def games_per_model(self, games: np.ndarray) -> np.ndarray:
        """Return how many votes each model had, of per-pair `games` (shape (B, pairs))."""
        return self._pair_a(games) + self._pair_b(games)

    def denominators(self, p: np.ndarray, games: np.ndarray) -> np.ndarray:
        """Return D_i = Σ_j games_ij / (p_i + p_j) plus the prior's 1 / (p_i + 1), for each row
        of strengths `p` (shape (B, n)) and per-pair `games` (shape (B, pairs))."""
        return self.games_per_model(games / (p[:, self.a] + p[:, self.b])) + PRIOR_GAMES / (p + 1)

    def change(self, theta: np.ndarray, won: np.ndarray, games: np.ndarray) -> np.ndarray:
        """Return T(θ) − θ for each row, T being one step of Hunter's MM (centred).

        MM's step is T(θ)_i = log(won_i / D_i(θ)) (`denominators`), then centred; the fit is
        its fixed point, T(θ) = θ.
        """
        new = np.log(won) - np.log(self.denominators(np.exp(theta), games))
        return new - new.mean(axis=1, keepdims=True) - theta

    def jacobian(self, theta: np.ndarray, won: np.ndarray, games: np.ndarray) -> np.ndarray:
        """Return the Jacobian of θ − T(θ) at one θ (shape (n,)); Newton's steps solve it."""
        p = np.exp(theta)
        # c[i, j] = games_ij p_i p_j / (p_i + p_j)²: each pair's curvature, symmetric.
        c = self._curvature(p, games)
        d = self.denominators(p[None], games[None])[0]
        # p_i ∂D_i/∂θ_j = −c_ij (j ≠ i);
        # p_i ∂D_i/∂θ_i = −Σ_j c_ij p_i / p_j − prior (p_i / (p_i + 1))².
        m = c + np.diag(p * (c @ (1.0 / p)) + PRIOR_GAMES * (p / (1 + p)) ** 2)
        k = m / (p * d)[:, None]
        return np.eye(self.n) - (k - k.mean(axis=0, keepdims=True))

    def _curvature(self, p: np.ndarray, games: np.ndarray) -> np.ndarray:
        n = self.n
        pa, pb = p[self.a], p[self.b]
        weight = games * pa * pb / (pa + pb) ** 2
        c = np.bincount(self.a * n + self.b, weights=weight, minlength=n * n).reshape(n, n)
        return c + c.T

    def posterior_mode(self, won: np.ndarray, games: np.ndarray) -> np.ndarray:
        """Return the θ that maximises the log-likelihood with the prior (one row of sums).

        Newton's method with backtracking: the log-likelihood is concave, so this converges
        from anywhere. It is not quite MM's fixed point (MM centres every step), but close
        enough that Newton's method on T(θ) = θ goes the rest of the way in a few steps.
        """

        def value(theta):
            p = np.exp(theta)
            prior = PRIOR_GAMES * np.log1p(p).sum()
            return won @ theta - games @ np.log(p[self.a] + p[self.b]) - prior

        theta = np.zeros(self.n)
        current = value(theta)
        for _ in range(MAX_NEWTON_STEPS):
            p = np.exp(theta)
            gradient = won - p * self.denominators(p[None], games[None])[0]
            c = self._curvature(p, games)
            # Minus the Hessian: a Laplacian of the pairs' curvatures plus the prior's: positive.
            h = np.diag(c.sum(axis=1) + PRIOR_GAMES * p / (1 + p) ** 2) - c
            step = np.linalg.solve(h, gradient)
            size = 1.0
            while size > 1e-12:
                new = value(theta + size * step)
                if new >= current + 1e-4 * size * (gradient @ step):
                    break
                size /= 2
            theta, current = theta + size * step, new
            if np.abs(size * step).max() < TOLERANCE:
                break
        return theta - theta.mean()


class _Scatter:
    """Add up the columns of (B, m) arrays into n columns, by a fixed column -> target index.

    Sums run in one fixed order (sorted by target, then column), so the same votes give the
    same sums, bit for bit, whichever code path reads them.
    """

    def __init__(self, index: np.ndarray, n: int):
        self.n, self.order = n, np.argsort(index, kind="stable")
        ordered = index[self.order]
        self.starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        self.targets = ordered[self.starts] if len(ordered) else ordered

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], self.n))
        if len(self.order):
            out[:, self.targets] = np.add.reduceat(values[:, self.order], self.starts, axis=1)
        return out


def fit_strengths(kinds: Kinds, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (log-strengths, mean 0, and the Jacobian at them) for one row of `counts`.

    The fixed point of Hunter's MM, found by Newton's method (quadratic, a handful of steps)
    from the posterior mode; MM itself crawls where models meet only a few neighbours (a chain
    of 300 models needs tens of thousands of MM steps to settle to TOLERANCE).
    """
    won, games = kinds.sums(np.atleast_2d(counts))
    theta = kinds.posterior_mode(won[0], games[0])
    for _ in range(MAX_NEWTON_STEPS):
        change = kinds.change(theta[None], won, games)[0]
        # Newton's step is about the distance left (MM's own change can be tiny far from its
        # fixed point, where it crawls): stop when the step is under TOLERANCE.
        step = np.linalg.solve(kinds.jacobian(theta, won[0], games[0]), change)
        theta = theta + step
        if np.abs(step).max() < TOLERANCE:
            break
    return theta, kinds.jacobian(theta, won[0], games[0])


def resample_strengths(
    kinds: Kinds, counts: np.ndarray, *, start: np.ndarray, jacobian: np.ndarray
) -> np.ndarray:
    """Return log-strengths for each row of `counts` (bootstrap resamples, shape (B, K)).

    Every resample starts from the point fit `start` and takes Newton steps with the point
    fit's `jacobian` (a resample's own differs little): each step is one matrix product for
    all resamples, and a resample settles to TOLERANCE in ten to twenty steps. One that does
    not within SHARED_STEPS is fitted on its own (fit_strengths).
    """
    inverse = np.linalg.inv(jacobian)
    theta = np.repeat(start[None], len(counts), axis=0)
    won, games = kinds.sums(counts)
    active = np.arange(len(counts))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for _ in range(SHARED_STEPS):
            step = kinds.change(theta[active], won[active], games[active]) @ inverse.T
            theta[active] += step
            active = active[~(np.abs(step).max(axis=1) < TOLERANCE)]
            if not len(active):
                break
    for row in active:
        theta[row] = fit_strengths(kinds, counts[row])[0]
    return theta


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
    kinds = Kinds(pairs, n)
    theta, jacobian = fit_strengths(kinds, counts)
    rating = to_points(theta)
    if rounds:
        rng = np.random.default_rng(seed)
        resampled = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=rounds)
        chunk = max(1, CHUNK_CELLS // len(counts))
        samples = to_points(
            np.concatenate([
                resample_strengths(kinds, resampled[i : i + chunk], start=theta, jacobian=jacobian)
                for i in range(0, rounds, chunk)
            ])
        )  # fmt: skip
        lower, upper = np.percentile(samples, [2.5, 97.5], axis=0)
        # The point estimate is from all votes; keep it inside its own interval.
        lower, upper = np.minimum(lower, rating), np.maximum(upper, rating)
    else:
        lower = upper = rating
    won, games = kinds.sums(counts[None])
    wins, votes = won[0] - PRIOR_GAMES / 2, kinds.games_per_model(games)[0]
    rank, best, worst = rank_spread(rating, lower, upper)
    results = [
        ModelRating(
            model_id=model_ids[i],
            rating=float(rating[i]),
            lower=float(lower[i]),
            upper=float(upper[i]),
            votes=int(round(votes[i])),
            wins=float(wins[i]),
            rank=int(rank[i]),
            rank_best=int(best[i]),
            rank_worst=int(worst[i]),
        )
        for i in range(n)
    ]
    return sorted(results, key=lambda r: r.rank)
