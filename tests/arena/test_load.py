"""Concurrency: 50 voters, each with its own session, send 5,000 votes to a live server.

Every vote is its own INSERT, so concurrent votes cannot overwrite each other: the test ends with
exactly one row per accepted vote, and every vote is accepted (rate limits raised for the test).
Each voter (tests/arena/voters.py) fetches its first pair token from `pair.json` and each next one
from the answer to its vote, the way a script client of the arena works.
"""

import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import httpx
import pytest

from arena.models import Vote
from tests.arena import voters
from tests.arena.conftest import make_grid

VOTERS = 50
VOTES_EACH = 100


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_fifty_concurrent_voters_send_5000_votes_and_end_with_5000_rows(live_server, settings):
    settings.ARENA_RATE_LIMIT_SESSION = (VOTES_EACH, 60)
    settings.ARENA_RATE_LIMIT_IP = (VOTERS * VOTES_EACH, 60)
    settings.ARENA_REFRESH_DELAY = 0  # no broker traffic from the live server
    make_grid(models=6, prompts=8)  # 15 model pairs × 8 prompts: 120 pairs per voter
    started = time.monotonic()
    # The voters (threads + httpx) run in a child process: the server keeps this one's GIL.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        statuses = child.submit(voters.crowd, live_server.url, VOTERS, VOTES_EACH).result()
    elapsed = time.monotonic() - started
    assert statuses.count(201) == VOTERS * VOTES_EACH, set(statuses)
    assert Vote.objects.count() == VOTERS * VOTES_EACH
    per_voter = Vote.objects.values("voter_hash").distinct().count()
    assert per_voter == VOTERS
    # One vote per pair per session held under concurrency too.
    assert Vote.objects.values("voter_hash", "generation_a", "generation_b").distinct().count() == (
        VOTERS * VOTES_EACH
    )
    print(f"\n{VOTERS * VOTES_EACH} votes from {VOTERS} voters in {elapsed:.1f} s "
          f"({VOTERS * VOTES_EACH / elapsed:.0f} votes/s, token fetch included)")  # fmt: skip


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_one_token_sent_ten_times_at_once_records_one_vote(live_server, caplog):
    caplog.set_level(logging.WARNING, logger="httpx")
    make_grid(models=2, prompts=1)
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        token = client.get("/arena/pair.json").json()["token"]
        headers = {"X-CSRFToken": client.cookies["csrftoken"], "Accept": "application/json"}
        barrier = threading.Barrier(10)

        def send(choice):
            barrier.wait()
            return client.post("/arena/vote/", data={"token": token, "choice": choice},
                               headers=headers).status_code  # fmt: skip

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(send, ["left", "right"] * 5))
    assert sorted(statuses) == [201] + [409] * 9
    assert Vote.objects.count() == 1
