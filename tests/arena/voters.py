"""Simulated arena voters: plain HTTP with httpx, one session per voter, no Django imported.

The load test runs these in a child process, so the voters' own CPU time does not compete with
the live server for the test process's GIL.
"""

import random
from concurrent.futures import ThreadPoolExecutor

import httpx

CHOICES = ("left", "right", "tie", "both_bad")


def cast_votes(base_url: str, votes: int, seed: int) -> list[int]:
    """Vote `votes` times as one visitor with its own session; return every vote's HTTP status.

    The first pair token comes from `pair.json`, each next one from the answer to the vote.
    """
    rng = random.Random(seed)
    statuses = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        pair = client.get("/arena/pair.json")
        pair.raise_for_status()
        token = pair.json()["token"]
        headers = {"X-CSRFToken": client.cookies["csrftoken"], "Accept": "application/json"}
        for _ in range(votes):
            response = client.post(
                "/arena/vote/",
                data={"token": token, "choice": rng.choice(CHOICES)},
                headers=headers,
            )
            statuses.append(response.status_code)
            token = (response.json().get("next") or {}).get("token", "")
    return statuses


def crowd(base_url: str, voters: int, votes_each: int) -> list[int]:
    """Run `voters` voters at once, one thread each; return all their vote statuses."""
    with ThreadPoolExecutor(max_workers=voters) as pool:
        results = pool.map(cast_votes, [base_url] * voters, [votes_each] * voters, range(voters))
        return [status for statuses in results for status in statuses]
