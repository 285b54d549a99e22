"""How long the arena's pair draw takes with 10, 100 and 300 models (one prompt, every pair).

    /work/main/.venv/bin/python -m pytest tests/arena/bench_draw.py -q -s

Not collected by `make test` (the name does not start with test_); it prints, per model count:
the plan made with a fit (ratings_refresh, in the worker), the first draw in a process (it
groups the cached clips and weighs every model pair), and the median and worst of 10 draws
after it (what a request pays). Ratings and vote counts are random; the machine is shared, so
the figures are rough.
"""

import random
import time

import pytest

from arena import services
from arena.models import Pool, Rating, RatingFit
from arena.ratings import ModelRating
from tests.arena.conftest import make_grid


@pytest.mark.parametrize("n", [10, 100, 300])
def test_draw_time(db, n):
    models, _ = make_grid(models=n, prompts=1, prefix=f"m{n}")
    rng = random.Random(0)
    ratings = {m.pk: 1000 + rng.gauss(0, 150) for m in models}
    games = {
        (x, y): rng.randrange(20)
        for x in ratings for y in ratings if x < y and rng.random() < min(1, 30 / n)
    }  # fmt: skip
    results = [ModelRating(m, r, r - 40, r + 40, 10, 5, 1, 1, 1) for m, r in ratings.items()]
    rows = [(x, y, "a") for (x, y), count in games.items() for _ in range(count)]
    started = time.perf_counter()
    plan = services._pair_plan(results, rows)
    made = time.perf_counter() - started
    fit = RatingFit.objects.create(
        pool=Pool.T2V_AUDIO, vote_count=len(rows), bootstrap_rounds=0, pair_plan=plan
    )
    Rating.objects.bulk_create(
        Rating(
            fit=fit,
            video_model_id=m,
            rating=r,
            lower=r - 40,
            upper=r + 40,
            votes=1,
            wins=0,
            rank=1,
            rank_best=1,
            rank_worst=1,
            provisional=False,
        )  # fmt: skip
        for m, r in ratings.items()
    )
    services.pair_sample(voter="v")  # fills the shared cache
    services._draws.clear()  # as a process that has not drawn yet
    started = time.perf_counter()
    services.pair_sample(voter="v")
    first = time.perf_counter() - started
    times = []
    for _ in range(10):
        started = time.perf_counter()
        assert services.pair_sample(voter="v", rng=rng)
        times.append(time.perf_counter() - started)
    times.sort()
    print(
        f"\n{n} models: plan {made * 1000:.0f} ms per fit; first draw in a process "
        f"{first * 1000:.0f} ms; then median {times[5] * 1000:.1f} ms, "
        f"worst {times[-1] * 1000:.1f} ms"
    )
