"""The rating refresh runs in a real worker: queued soon after a vote, fitted there, read here."""

import pytest

from arena import services
from arena.models import Pool, RatingFit
from tests.arena.conftest import make_grid
from tests.conftest import wait_for


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_votes_queue_a_refresh_soon_that_a_worker_fits(start_worker, settings):
    settings.ARENA_REFRESH_DELAY = 1
    models, _ = make_grid(models=3, prompts=2)
    voter, ip = services.voter_hash("session"), services.voter_hash("ip:10.1.1.1")
    worker = start_worker(queues="media", concurrency=1)
    votes = []
    for _ in range(3):
        pair = services.pair_sample(voter=voter)
        services.pair_token_issue(pair=pair, voter=voter)
        votes.append(services.vote_record(token=pair.token, choice="left", voter=voter, ip=ip))
    assert not any(vote.voided for vote in votes)

    wait_for(
        lambda: RatingFit.objects.filter(pool=Pool.T2V_AUDIO, category="").exists(),
        timeout=90, interval=0.5, message="no refresh ran:\n" + worker.output()[-3000:],
    )  # fmt: skip
    fit = RatingFit.objects.get(pool=Pool.T2V_AUDIO, category="")
    assert fit.vote_count == 3
    assert set(services.current_ratings(pool=Pool.T2V_AUDIO)) <= {m.pk for m in models}
