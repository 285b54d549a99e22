"""Staff actions on runs: retrying failures says what happened, including a budget refusal."""

from decimal import Decimal

import pytest
from django.urls import reverse

from benchmarks.models import Generation
from benchmarks.services.runs import run_start
from tests.factories import PriceFactory, PromptFactory, UserFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_run():
    model = VideoModelFactory()
    PriceFactory(video_model=model, amount=Decimal("0.10"))  # 5 s: $0.50 an attempt
    run = run_start(prompt=PromptFactory(), models=[model], dispatch=False)
    Generation.objects.filter(run=run).update(
        state="failed", provider_job_id="job-1", actual_cost=Decimal("0.50")
    )
    return run


def _retry(client, run):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client.post(
        reverse("admin:benchmarks_benchmarkrun_changelist"),
        {"action": "retry_failed", "_selected_action": [run.pk]},
        follow=True,
    )


def test_retrying_a_failed_run_queues_a_new_attempt(
    client, failed_run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        response = _retry(client, failed_run)

    assert "Queued 1 new attempt(s)." in response.content.decode()
    assert failed_run.generations.get().state == Generation.State.QUEUED


def test_a_retry_past_the_budget_is_refused_in_words(client, failed_run, settings):
    settings.MONTHLY_BUDGET_USD = "0.75"

    response = _retry(client, failed_run)

    assert "monthly budget" in response.content.decode()
    assert failed_run.generations.get().state == Generation.State.FAILED
