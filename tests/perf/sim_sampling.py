"""How many votes until every model's 95 % interval is narrow: targeted pairs vs uniform pairs.

    /work/main/.venv/bin/python tests/perf/sim_sampling.py [--runs 20] [--width 100]
        [--models 10] [--spread 80]

Simulates voters choosing by Bradley–Terry (a tenth of votes ties) between models of known
strength, --spread rating points apart. Every BATCH votes the ratings are refitted with the
site's fit (arena/ratings.py's fit_strengths, from scratch), and each model's 95 % interval is
taken from that fit's covariance (arena/ratings.py's covariance: the width the site's bootstrap
estimates, without resampling thousands of times). Two policies pick the next model pair, with
the same seeds, side by side:

- uniform: every model pair equally likely (what the issue compares against);
- targeted: what the site does, with its code: arena/sampling.py's plan made from the fit (as
  ratings_refresh stores it), drawn through pair_weights with the site's exploration share.

A run stops when every interval is narrower than --width points (the site's provisional width);
the script prints the votes each policy needed (mean, median and spread over --runs seeds) and
the saving of the means. No database needed.
"""

import argparse
import random
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from arena.conf import DEFAULTS  # noqa: E402
from arena.ratings import Kinds, covariance, fit_strengths, to_points, width_of  # noqa: E402
from arena.sampling import Plan, pair_weights, plan  # noqa: E402

BATCH = 50  # votes between refits (the site refits a minute after votes)
EXPLORATION = DEFAULTS["ARENA_EXPLORATION"]  # as the site draws by default
#: Davidson's tie parameter ("On extending the Bradley–Terry model to accommodate ties", 1970):
#: a pair ties with chance ν√(π_x π_y) / (π_x + π_y + ν√(π_x π_y)), so an even pair ties 11 %
#: of the time, a pair 400 points apart 7 %. `--ties flat` ties every pair FLAT_TIES of the time.
DAVIDSON = 0.25
FLAT_TIES = 0.1
LIMIT = 100_000
POOL = "t2v"


def refit(wins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (ratings in points, 95 % interval widths in points) from a win matrix."""
    # Each model pair x < y as two kinds of vote: y beat x (score 0), x beat y (score 1).
    x, y = np.triu_indices(len(wins), 1)
    pairs = np.column_stack([np.repeat(x, 2), np.repeat(y, 2), np.tile([0.0, 1.0], len(x))])
    theta, _ = fit_strengths(
        Kinds(pairs, len(wins)), np.column_stack([wins[y, x], wins[x, y]]).ravel()
    )
    return to_points(theta), width_of(np.diag(covariance(theta, wins + wins.T)))


def outcome(rng: random.Random, gap: float, *, ties: str) -> float:
    """Return the score of x against y (1 win, 0.5 tie, 0 loss) when x is `gap` points ahead."""
    odds = 10 ** (gap / 400)  # π_x / π_y
    if ties == "flat":
        tie = FLAT_TIES
    else:
        tie = DAVIDSON * odds**0.5 / (odds + 1 + DAVIDSON * odds**0.5)
    if rng.random() < tie:
        return 0.5
    return float(rng.random() < odds / (odds + 1))


def simulate(
    policy: str, *, seed: int, width: float, models: int, spread: float, ties: str = "davidson"
) -> int:
    """Return the votes `policy` needed until every interval is under `width` points."""
    rng = random.Random(seed)
    truth = [spread * (i - (models - 1) / 2) for i in range(models)]
    pairs = [(POOL, x, y) for x in range(models) for y in range(x + 1, models)]
    wins = np.zeros((models, models))
    plans: dict[str, Plan] = {}  # before the first fit no model is rated
    votes = 0
    while votes < LIMIT:
        weights = pair_weights(pairs, plans, exploration=EXPLORATION)
        if policy == "uniform":
            weights = None
        for _, x, y in rng.choices(pairs, weights=weights, k=BATCH):
            score = outcome(rng, truth[x] - truth[y], ties=ties)
            wins[x, y] += score
            wins[y, x] += 1 - score
        votes += BATCH
        ratings, widths = refit(wins)
        if widths.max() < width:
            return votes
        if policy == "targeted":  # what ratings_refresh stores with the fit
            games = {(x, y): wins[x, y] + wins[y, x] for _, x, y in pairs}
            shares = plan(dict(enumerate(ratings)), games)
            plans = {POOL: Plan(models=frozenset(range(models)), shares=shares)}
    return LIMIT


def compare(*, runs: int, ties: str = "davidson", **scenario) -> dict[str, list[int]]:
    """Return {policy: votes needed in each run}, both policies on seeds 0 .. runs - 1."""
    return {
        policy: [simulate(policy, seed=s, ties=ties, **scenario) for s in range(runs)]
        for policy in ("uniform", "targeted")
    }


def saving(needed: dict[str, list[int]]) -> float:
    """Return how many fewer votes targeted needed than uniform, on average (0.3: 30 %)."""
    return 1 - statistics.mean(needed["targeted"]) / statistics.mean(needed["uniform"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--width", type=float, default=DEFAULTS["ARENA_PROVISIONAL_WIDTH"])
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--spread", type=float, default=80.0)
    parser.add_argument("--ties", choices=("davidson", "flat"), default="davidson")
    args = parser.parse_args()
    needed = compare(
        runs=args.runs, width=args.width, models=args.models, spread=args.spread, ties=args.ties
    )
    print(
        f"{args.models} models {args.spread:.0f} points apart, {args.ties} ties; every 95 % "
        f"interval under {args.width:.0f} points; {args.runs} runs; refit every {BATCH} votes"
    )
    print(f"{'policy':<10}{'mean':>9}{'median':>9}{'min':>9}{'max':>9}")
    for policy, values in needed.items():
        print(f"{policy:<10}{statistics.mean(values):>9.0f}{statistics.median(values):>9.0f}"
              f"{min(values):>9}{max(values):>9}")  # fmt: skip
    print(f"targeted needs {saving(needed):.0%} fewer votes than uniform (mean)")


if __name__ == "__main__":
    main()
