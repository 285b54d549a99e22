"""How unlikely a group of votes is under the current ratings: the arena's rigging screen.

"Improving Your Model Ranking on Chatbot Arena by Vote Rigging" (ICML 2025) moves ranks with a
few hundred votes for one model. Such votes pick a weak model over strong ones again and again:
each one is a surprise under the fitted ratings. For each group (one voter, or one address, in
one time window) we add up the surprisal −log p of every decisive choice and compare it with what
an honest voter, choosing by the ratings, would show: the z-score of the sum. An honest group's
z is about standard normal; a targeted one's grows with the square root of its votes.

Ties and "both bad" say nothing about who is better and are left out.
"""

import math
from collections import defaultdict

from arena.sampling import win_probability

#: Keep p away from 0 and 1 so one vote against a huge gap cannot dominate a group's score.
P_FLOOR = 0.02


def choice_terms(rating_a: float, rating_b: float, outcome: str) -> tuple[float, float, float]:
    """Return (surprisal of the choice, its mean, its variance) for an honest voter."""
    p = min(max(win_probability(rating_a, rating_b), P_FLOOR), 1 - P_FLOOR)
    chosen = p if outcome == "a" else 1 - p
    log_odds = math.log(p / (1 - p))
    mean = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    variance = p * (1 - p) * log_odds**2
    return -math.log(chosen), mean, variance


def group_scores(rows, ratings, *, min_votes: int) -> dict:
    """Return {group: z} for groups with at least `min_votes` decisive votes.

    `rows` are (group, pool, model a, model b, outcome); `ratings` maps (pool, model) to a
    rating. A model without a rating counts as average (1000).
    """
    sums: dict = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for group, pool, model_a, model_b, outcome in rows:
        if outcome not in ("a", "b"):
            continue
        surprisal, mean, variance = choice_terms(
            ratings.get((pool, model_a), 1000.0), ratings.get((pool, model_b), 1000.0), outcome
        )
        total = sums[group]
        total[0] += 1
        total[1] += surprisal
        total[2] += mean
        total[3] += variance
    return {
        group: (surprisal - mean) / math.sqrt(variance) if variance > 0 else 0.0
        for group, (n, surprisal, mean, variance) in sums.items()
        if n >= min_votes
    }
