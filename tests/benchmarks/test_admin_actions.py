"""Staff actions on runs: retrying failures says what happened, including a budget refusal."""

from decimal import Decimal
from unittest import mock

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


@pytest.fixture
def waiting_for_staff():
    model = VideoModelFactory()
    PriceFactory(video_model=model, amount=Decimal("0.10"))  # 5 s: $0.50 an attempt
    run = run_start(prompt=PromptFactory(), models=[model], dispatch=False)
    Generation.objects.filter(run=run).update(
        state="needs_review", attempts=1, outcome_unknown=True
    )
    return run.generations.get()


def _resubmit(client, generation):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="editor"))
    return client.post(
        reverse("admin:benchmarks_generation_changelist"),
        {"action": "resubmit", "_selected_action": [generation.pk]},
        follow=True,
    )


def test_resubmitting_an_interrupted_submit_queues_it_and_logs_who(client, waiting_for_staff):
    with mock.patch("benchmarks.tasks.submit_generation.delay") as delay:
        response = _resubmit(client, waiting_for_staff)

    assert "Resubmitted 1 generation(s)." in response.content.decode()
    delay.assert_called_once_with(waiting_for_staff.pk)
    event = waiting_for_staff.events.get(to_state=Generation.State.QUEUED)
    assert (event.actor, event.details["attempt"]) == ("editor", 1)


def test_a_resubmit_past_the_budget_is_refused_in_words(client, waiting_for_staff, settings):
    settings.MONTHLY_BUDGET_USD = "0.75"  # $0.50 committed, another $0.50 won't fit

    with mock.patch("benchmarks.tasks.submit_generation.delay") as delay:
        response = _resubmit(client, waiting_for_staff)

    assert "monthly budget" in response.content.decode()
    delay.assert_not_called()
    waiting_for_staff.refresh_from_db()
    assert waiting_for_staff.state == Generation.State.NEEDS_REVIEW


@pytest.fixture
def running_run():
    model = VideoModelFactory()
    PriceFactory(video_model=model, amount=Decimal("0.10"))
    return run_start(prompt=PromptFactory(), models=[model], dispatch=False)


def _staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_running_runs_page_follows_its_progress_by_itself(client, running_run):
    page = _staff(client).get(
        reverse("admin:benchmarks_benchmarkrun_change", args=[running_run.pk])
    )
    progress_url = reverse("admin:benchmarks_benchmarkrun_progress", args=[running_run.pk])

    html = page.content.decode()
    assert f'data-url="{progress_url}"' in html
    assert "benchmarks/run_progress.js" in html
    Generation.objects.filter(run=running_run).update(state="generating")
    generation = running_run.generations.get()
    assert client.get(progress_url).json() == {
        "state": "running",
        "generations": [
            {"id": generation.pk, "model": generation.video_model.slug, "state": "generating"}
        ],
    }


def test_the_progress_of_a_run_is_for_staff_only(client, running_run):
    progress_url = reverse("admin:benchmarks_benchmarkrun_progress", args=[running_run.pk])

    assert client.get(progress_url).status_code == 302  # to the admin login


def test_a_finished_runs_fields_are_read_only_and_its_page_stops_polling(client, failed_run):
    failed_run.state = "failed"
    failed_run.save()
    url = reverse("admin:benchmarks_benchmarkrun_change", args=[failed_run.pk])

    html = _staff(client).get(url).content.decode()

    assert 'name="prompt"' not in html
    assert 'name="seed"' not in html
    assert "run_progress.js" not in html
    client.post(url, {"seed": "99", "prompt": failed_run.prompt_id}, follow=True)
    failed_run.refresh_from_db()
    assert failed_run.seed != 99


def test_publishing_a_run_links_to_its_public_page(client, failed_run):
    failed_run.generations.update(state="complete")

    response = _staff(client).post(
        reverse("admin:benchmarks_benchmarkrun_changelist"),
        {"action": "publish_comparison", "_selected_action": [failed_run.pk]},
        follow=True,
    )

    comparison = failed_run.comparison
    assert f'Published <a href="{comparison.get_absolute_url()}">' in response.content.decode()
    assert client.get(comparison.get_absolute_url()).status_code == 200
