"""Every public page runs the same number of SQL queries whether it shows 3 things or 30."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from tests.comparisons.conftest import add_clip, build_catalog, published_run

pytestmark = pytest.mark.django_db

#: Queries the first render of a leaderboard filter adds on PostgreSQL (comparisons.summary).
SUMMARIES_COMPUTED = 3 if connection.vendor == "postgresql" else 0

#: Page -> queries. A change here is a change in how a page reads: explain it in the commit.
EXPECTED = {
    # featured, latest (count + page), 2 prefetches each, leaderboard (4: on PostgreSQL the
    # stale or missing summaries, the board's count, the snapshot's ranks, their summaries and
    # models; on SQLite the generations, the models' names, today's prices, the snapshot's
    # models). PostgreSQL: the first render of a filter (here, home, the first page asked)
    # also computes the summaries it lacks: totals, trend, and stores them (3 more).
    "home": 11 + SUMMARIES_COMPUTED,
    # leaderboard (4, as on home, for its page), + the newest arena fit of the mode's two pools
    # (silent and with audio; two more queries for their ratings once fits exist), + the
    # trends of the table's first models (the trend chart)
    "leaderboard": 7,
    "leaderboard_filtered": 7 + SUMMARIES_COMPUTED,  # the first render of that filter
    "models": 4,  # the leaderboard, every row shown
    "prompts": 3,
    "methodology": 0,
    # comparison, its clips, their files, earlier runs of the prompt
    "comparison": 4,
    # ... plus the earlier run's clips and their files
    "comparison_vs": 6,
    # model, price history, leaderboard (2: summaries, prices; its clip count is the list's),
    # clip page, files, comparisons, its prompt patterns, and the arena's failure tags (the last
    # refit's tallies)
    "model": 9,
    # prompt, tags, runs, comparisons, leaderboard (4), the prompt's blind votes (people vs
    # metrics; models and coherence are read only once there are votes), the category's
    # prompt patterns with their models, and the newest comparison's first poster (the image a
    # shared link shows while the comparison has no share image yet)
    "prompt": 11,
}


def _pages(data):
    comparison = data["comparisons"][-1]
    return {
        "home": reverse("comparisons:home"),
        "leaderboard": reverse("comparisons:leaderboard"),
        "leaderboard_filtered": reverse("comparisons:leaderboard")
        + "?category=scene&mode=t2v&duration=5&aspect=16:9&sort=-time",
        "models": reverse("comparisons:models"),
        "prompts": reverse("comparisons:prompts"),
        "methodology": reverse("comparisons:methodology"),
        "comparison": comparison.get_absolute_url(),
        "comparison_vs": f"{comparison.get_absolute_url()}?vs={data['earlier_run'].pk}",
        "model": data["models"][0].get_absolute_url(),
        "prompt": comparison.prompt.get_absolute_url(),
    }


@pytest.mark.parametrize("size", [3, 30])
def test_every_public_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    data = build_catalog(size)
    # `size` earlier runs of the last comparison's prompt, three clips each.
    latest = data["comparisons"][-1]
    earlier = [
        published_run(
            prompt=latest.prompt,
            state="complete",
            created_at=latest.run.created_at - timedelta(days=i + 1),
        )
        for i in range(size)
    ]
    for run in earlier:
        run.comparison.generations.set(
            [add_clip(run, model, coherence=0.7) for model in data["models"][:3]]
        )
    data["earlier_run"] = earlier[0]
    for name, url in _pages(data).items():
        with django_assert_num_queries(EXPECTED[name]):
            response = client.get(url)
        assert response.status_code == 200, name
