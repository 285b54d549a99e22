"""End to end with a real worker: a run submitted through the API calls its callback URL back."""

import json

import pytest

from api.models import CallbackDelivery
from benchmarks.models import BenchmarkRun
from benchmarks.providers.signatures import verify_standard_webhook
from benchmarks.services.catalog import catalog_sync
from tests.api.conftest import submit
from tests.conftest import wait_for


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_run_submitted_through_the_api_posts_signed_callbacks_from_the_worker(
    start_worker, receiver_factory, api_client, token
):
    catalog_sync()
    # Retries are tested without a worker: the first backoff here would be up to a minute.
    receiver = receiver_factory(200)
    worker = start_worker(CALLBACK_ALLOW_PRIVATE="true")

    response = submit(
        api_client,
        {
            "prompt": "A paper boat on a pond",
            "models": ["local-smooth"],
            "callback_url": receiver.url,
        },
        key="e2e-1",
    )
    assert response.status_code == 201, response.json()

    def delivered():
        return (
            CallbackDelivery.objects.filter(status=CallbackDelivery.Status.DELIVERED).count() == 2
        )

    wait_for(
        delivered, timeout=240, interval=1, message="no callbacks:\n" + worker.output()[-3000:]
    )
    events = {}
    for headers, body in receiver.requests:
        verify_standard_webhook(token[0].signing_secret, headers, body)
        payload = json.loads(body)
        events.setdefault(payload["type"], payload)
    assert events["generation.finished"]["data"]["state"] == "complete"
    assert set(events["generation.finished"]["data"]["assets"]) == {"standard", "preview", "poster"}
    assert events["run.finished"]["data"]["state"] == BenchmarkRun.State.COMPLETE
    assert len(receiver.requests) == 2
