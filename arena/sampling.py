"""Which model pair to show next: the one whose vote would narrow the ratings' intervals most.

A vote between models x and y with win probability p adds p(1 − p) to the Fisher information of
their rating difference, so it shrinks the variances of x and y in proportion to p(1 − p) times
how uncertain they still are. Pairs are drawn in proportion to that expected gain (squared
interval widths as the uncertainty; a model without a rating counts as wide and even), mixed
with a share of uniform draws (ARENA_EXPLORATION) so that every pair keeps getting votes and a
wrong fit cannot starve a pair. tests/perf/sim_sampling.py measures it against uniform draws.
"""

import math

#: Interval width (rating points) assumed for a model the current fit has not rated yet.
UNRATED_WIDTH = 400.0
#: The Elo scale: 400 points is 10:1 odds.
ELO = 400.0


def win_probability(rating_x: float, rating_y: float) -> float:
    """Return the chance x beats y under Bradley–Terry on the Elo scale."""
    return 1.0 / (1.0 + 10 ** ((rating_y - rating_x) / ELO))


def pair_gain(x: tuple[float, float] | None, y: tuple[float, float] | None) -> float:
    """Return the expected narrowing from one vote between x and y, each (rating, width)."""
    if x is None or y is None:
        p = 0.5
        width_x = x[1] if x else UNRATED_WIDTH
        width_y = y[1] if y else UNRATED_WIDTH
    else:
        p = win_probability(x[0], y[0])
        width_x, width_y = x[1], y[1]
    return p * (1.0 - p) * (width_x**2 + width_y**2)


def pair_weights(pairs, intervals, *, exploration: float) -> list[float]:
    """Return a draw weight for each (pool, model x, model y) in `pairs`.

    `intervals` maps (pool, model) to (rating, interval width). The weights sum to 1: a share
    `exploration` spread evenly, the rest in proportion to `pair_gain`.
    """
    if not pairs:
        return []
    gains = [pair_gain(intervals.get((pool, x)), intervals.get((pool, y))) for pool, x, y in pairs]
    total = sum(gains)
    even = 1.0 / len(pairs)
    if total <= 0 or not math.isfinite(total):
        return [even] * len(pairs)
    return [exploration * even + (1 - exploration) * gain / total for gain in gains]
