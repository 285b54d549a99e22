"""Two requests with the same Idempotency-Key at the same moment still make one run."""

import threading

import pytest
from django.db import connection
from django.test import Client

from benchmarks.models import BenchmarkRun, Prompt
from tests.api.conftest import submit

PARALLEL = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_concurrent_requests_with_one_key_make_one_run(token, video_models, monkeypatch):
    from benchmarks import tasks

    queued = []
    # Commits are real here: keep the submits out of the shared broker, but count them.
    monkeypatch.setattr(
        tasks.generation_submit, "apply_async", lambda args, **options: queued.append(args[0])
    )
    barrier = threading.Barrier(PARALLEL)
    answers = []

    def post():
        client = Client(headers={"Authorization": f"Bearer {token[1]}"})
        barrier.wait()
        try:
            response = submit(
                client, {"prompt": "Rain on a window", "models": ["local-smooth"]}, key="race"
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(status for status, _ in answers) == [200] * (PARALLEL - 1) + [201]
    assert len({run_id for _, run_id in answers}) == 1
    assert BenchmarkRun.objects.count() == 1
    assert Prompt.objects.count() == 1
    assert len(queued) == 1, "one generation submitted, once"
