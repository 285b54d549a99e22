"""How many votes until every model's 95 % interval is narrow: uncertainty-targeted vs uniform.

    /work/main/.venv/bin/python tests/perf/sim_sampling.py [--runs 20] [--width 100]

Simulates voters choosing by Bradley–Terry between 10 models of known strength. After every
batch of votes the ratings are refitted (arena/ratings.py) and each model's 95 % interval is
taken from the fit's Fisher information (the site bootstraps; this is the same width, faster to
compute thousands of times). Two policies pick the next model pair:

- uniform: every model pair equally likely (what the issue compares against);
- targeted: arena/sampling.py's pair_weights, exactly as the site draws, with its exploration share.

A run stops when every interval is narrower than --width points; the script prints the votes
each policy needed (median and spread over --runs seeds) and the saving. No database needed.
"""

import argparse
import random
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from arena.conf import DEFAULTS  # noqa: E402
from arena.ratings import PRIOR_GAMES, SCALE, fit_strengths, to_points  # noqa: E402
from arena.sampling import pair_weights  # noqa: E402

MODELS = 10
SPREAD = 80.0  # rating points between neighbouring models
BATCH = 50  # votes between refits (the site refits a minute after votes)
EXPLORATION = DEFAULTS["ARENA_EXPLORATION"]  # as the site draws by default
TIE_SHARE = 0.1
LIMIT = 200_000


def _fisher(theta: np.ndarray, games: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (p[i, j] = chance i beats j, Fisher information) at log-strengths `theta`."""
    p = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
    info = games * p * (1 - p)
    prior = PRIOR_GAMES * np.exp(theta) / (1 + np.exp(theta)) ** 2  # the virtual games
    return p, np.diag(info.sum(axis=1) + prior) - info


def intervals(wins: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (log-strengths, ratings, 95 % interval widths in points) from a win matrix.

    The fit maximizes the same likelihood as arena/ratings.py (with its virtual games), by
    Newton steps from the last fit: a refit every batch costs a few 10×10 solves, where the
    site's MM iterations from scratch would dominate the simulation's run time.
    """
    games = wins + wins.T
    for _ in range(50):
        p, fisher = _fisher(theta, games)
        gradient = wins.sum(axis=1) - (games * p).sum(axis=1)
        gradient += PRIOR_GAMES * (0.5 - np.exp(theta) / (1 + np.exp(theta)))
        step = np.linalg.solve(fisher, gradient)
        theta = theta + step
        if np.abs(step).max() < 1e-10:
            break
    _, fisher = _fisher(theta, games)
    # Ratings are centred on the pool's mean: the variance that counts is the centred one.
    centre = np.eye(MODELS) - 1 / MODELS
    covariance = centre @ np.linalg.inv(fisher) @ centre
    widths = 2 * 1.96 * SCALE * np.sqrt(np.diag(covariance))
    return theta, to_points(theta[None])[0], widths


def simulate(policy: str, *, seed: int, width: float) -> int:
    """Return the votes `policy` needed until every interval is under `width` points."""
    rng = random.Random(seed)
    truth = np.array([SPREAD * (i - (MODELS - 1) / 2) for i in range(MODELS)])
    pairs = [("pool", x, y) for x in range(MODELS) for y in range(x + 1, MODELS)]
    wins = np.zeros((MODELS, MODELS))
    current: dict = {}
    theta = np.zeros(MODELS)
    votes = 0
    while votes < LIMIT:
        weights = (
            pair_weights(pairs, current, exploration=EXPLORATION) if policy == "targeted" else None
        )
        for _, x, y in rng.choices(pairs, weights=weights, k=BATCH):
            p = 1 / (1 + 10 ** ((truth[y] - truth[x]) / 400))
            if rng.random() < TIE_SHARE:
                wins[x, y] += 0.5
                wins[y, x] += 0.5
            elif rng.random() < p:
                wins[x, y] += 1
            else:
                wins[y, x] += 1
        votes += BATCH
        theta, ratings, widths = intervals(wins, theta)
        if widths.max() < width:
            return votes
        current = {("pool", m): (ratings[m], widths[m]) for m in range(MODELS)}
    return LIMIT


def check_fit() -> None:
    """Stop unless the Newton fit here equals arena/ratings.py's fit on the same votes."""
    rng = np.random.default_rng(0)
    wins = rng.integers(0, 30, size=(MODELS, MODELS)).astype(float)
    np.fill_diagonal(wins, 0)
    site = to_points(fit_strengths(wins[None]))[0]
    _, here, _ = intervals(wins, np.zeros(MODELS))
    assert np.abs(site - here).max() < 1e-4, (site, here)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--width", type=float, default=100.0)
    args = parser.parse_args()
    check_fit()
    needed = {
        policy: [simulate(policy, seed=s, width=args.width) for s in range(args.runs)]
        for policy in ("uniform", "targeted")
    }
    print(f"{MODELS} models {SPREAD:.0f} points apart; every 95 % interval under "
          f"{args.width:.0f} points; {args.runs} runs; refit every {BATCH} votes")  # fmt: skip
    print(f"{'policy':<10}{'median':>9}{'min':>9}{'max':>9}")
    for policy, values in needed.items():
        print(f"{policy:<10}{statistics.median(values):>9.0f}{min(values):>9}{max(values):>9}")
    saving = 1 - statistics.median(needed["targeted"]) / statistics.median(needed["uniform"])
    print(f"targeted needs {saving:.0%} fewer votes than uniform (median)")


if __name__ == "__main__":
    main()
