"""Which model pair to show next: the votes that narrow the widest intervals soonest.

After every fit, `plan` spreads the next PLAN_VOTES votes over model pairs, one vote at a time,
each where it shrinks the widest intervals most. It works on the fit's covariance (the inverse
of its Fisher information, arena/ratings.py): a vote between i and j with win probability p adds
p(1 − p) (e_i − e_j)(e_i − e_j)ᵀ to the information, so by Sherman–Morrison it takes
c (Σu)_k² off model k's variance, u = e_i − e_j, c = p(1 − p) / (1 + p(1 − p) uᵀΣu), and
after it the plan carries on from the updated Σ. The gain of a vote is that reduction summed
over models, each weighted by its variance relative to the widest to the power WIDTH_POWER: what
counts is the widest interval (the one a reader cannot trust yet), and an informative vote for
it is against a near-even opponent whose own rating is known, or between two wide models.

The plan is made with the fit (ratings_refresh), stored on it, and the site draws from it per
request (`pair_weights`): a share ARENA_EXPLORATION of draws is uniform, so every pair keeps
getting votes and a wrong fit cannot starve one. A model the fit has not rated yet is the widest
of all: until the next fit rates it, its pairs take the targeted share. tests/perf/sim_sampling.py
measures it against uniform draws (docs/arena.md).
"""

from dataclasses import dataclass, field

import numpy as np

from arena.ratings import BASE, SCALE, covariance

#: Votes a plan spreads: about the votes between two refits (ARENA_REFRESH_DELAY debounces).
PLAN_VOTES = 50
#: Variances enter the weights to this power, relative to the widest: high, so that the widest
#: interval is served first. tests/perf/sim_sampling.py (10 runs) needed 33–34 % fewer votes
#: than uniform pairs with any power from 8 to 64; with flat ties the saving grew from 15 % at
#: power 1 to 23 % at 8 and 26 % at 64.
WIDTH_POWER = 32
#: Models whose weight is below this add nothing worth computing to a vote's gain.
NEGLIGIBLE = 1e-9


def win_probability(rating_x: float, rating_y: float) -> float:
    """Return the chance x beats y under Bradley–Terry on the Elo scale (400 points: 10:1)."""
    return 1.0 / (1.0 + 10 ** ((rating_y - rating_x) / 400.0))


@dataclass(frozen=True)
class Plan:
    """One pool's plan: the models its fit rated, and each model pair's share of the next votes."""

    models: frozenset[int] = frozenset()
    shares: dict[tuple[int, int], float] = field(default_factory=dict)


def plan(
    ratings: dict[int, float], games: dict[tuple[int, int], float], *, votes: int = PLAN_VOTES
) -> dict[tuple[int, int], float]:
    """Return {(model x, model y): share of the next votes}, x < y, shares summing to 1.

    `ratings` are a fit's points per model, `games` the votes each model pair had (either
    order). Pairs the plan gives no vote are left out.
    """
    models = sorted(ratings)
    n = len(models)
    if n < 2:
        return {}
    index = {m: i for i, m in enumerate(models)}
    theta = (np.array([ratings[m] for m in models]) - BASE) / SCALE
    played = np.zeros((n, n))
    for (x, y), count in games.items():
        if x in index and y in index and x != y:
            played[index[x], index[y]] += count
            played[index[y], index[x]] += count
    sigma = covariance(theta, played)
    i, j = np.triu_indices(n, 1)
    p = 1.0 / (1.0 + np.exp(theta[j] - theta[i]))
    q = p * (1.0 - p)
    counts = np.zeros(len(i))
    for _ in range(votes):
        variance = np.diag(sigma)
        weight = (variance / variance.max()) ** WIDTH_POWER
        wide = np.flatnonzero(weight > NEGLIGIBLE)
        # A[a, b] = Σ_k w_k Σ[k, a] Σ[k, b]: the weighted reduction of u is uᵀAu.
        a = sigma[:, wide] @ (weight[wide, None] * sigma[wide, :])
        spread = sigma[i, i] + sigma[j, j] - 2 * sigma[i, j]
        gain = q * (a[i, i] + a[j, j] - 2 * a[i, j]) / (1.0 + q * spread)
        best = int(np.argmax(gain))
        column = sigma[:, i[best]] - sigma[:, j[best]]
        sigma = sigma - q[best] / (1.0 + q[best] * spread[best]) * np.outer(column, column)
        counts[best] += 1
    return {(models[i[k]], models[j[k]]): counts[k] / votes for k in np.flatnonzero(counts)}


def pair_weights(pairs, plans: dict[str, Plan], *, exploration: float) -> list[float]:
    """Return a draw weight for each (pool, model x, model y) in `pairs` (x < y).

    `plans` maps a pool to its current Plan. The weights sum to 1: a share `exploration`
    spread evenly, the rest by the plans, or evenly over the pairs with a model no fit rated.
    """
    if not pairs:
        return []
    # Per request, over up to every pair of a few hundred models: plain lookups, no sets.
    rated = {pool: plan.models for pool, plan in plans.items()}
    nobody: frozenset[int] = frozenset()
    unrated = [
        x not in rated.get(pool, nobody) or y not in rated.get(pool, nobody) for pool, x, y in pairs
    ]
    if any(unrated):
        targeted = [float(u) for u in unrated]
    else:
        shares = {pool: plan.shares for pool, plan in plans.items()}
        targeted = [shares[pool].get((x, y), 0.0) for pool, x, y in pairs]
    total = sum(targeted)
    even = 1.0 / len(pairs)
    if total <= 0:
        return [even] * len(pairs)
    floor, scale = exploration * even, (1 - exploration) / total
    return [floor + scale * t for t in targeted]
