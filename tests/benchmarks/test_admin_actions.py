"""Staff actions on runs: retrying failures says what happened, including a budget refusal."""

from decimal import Decimal

import pytest
from django.urls import reverse

from benchmarks.models import Generation
from benchmarks.services.runs import run_start
from tests.factories import PriceFactory, PromptFactory, UserFactory, VideoModelFactory
from tests.queued import steps_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_run():
    model = VideoModelFactory(synthetic=False)  # a real model: its spend counts
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
    model = VideoModelFactory(synthetic=False)  # a real model: its spend counts
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
    with steps_queued("generation_submit") as delay:
        response = _resubmit(client, waiting_for_staff)

    assert "Resubmitted 1 generation(s)." in response.content.decode()
    delay.assert_called_once_with(waiting_for_staff.pk)
    event = waiting_for_staff.events.get(to_state=Generation.State.QUEUED)
    assert (event.actor, event.details["attempt"]) == ("editor", 1)


def test_a_resubmit_past_the_budget_is_refused_in_words(client, waiting_for_staff, settings):
    settings.MONTHLY_BUDGET_USD = "0.75"  # $0.50 committed, another $0.50 won't fit

    with steps_queued("generation_submit") as delay:
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


def test_benchmarking_prompts_starts_a_run_per_prompt_and_says_why_one_was_refused(client):
    model = VideoModelFactory(slug="local-smooth")
    fits, too_long = PromptFactory(title="Fits", duration=5), PromptFactory(duration=7)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with steps_queued("generation_submit"):
        response = client.post(
            reverse("admin:benchmarks_prompt_changelist"),
            {
                "action": "benchmark_prompts",
                "_selected_action": [fits.pk, too_long.pk],
                "apply": "Start runs",
                "models": [model.pk],
                "samples": 2,
            },
            follow=True,
        )

    page = response.content.decode()
    run = fits.runs.get()
    assert (run.samples, run.generations.count()) == (2, 2)
    assert (
        f'Started <a href="{reverse("admin:benchmarks_benchmarkrun_change", args=[run.pk])}">'
        in page
    )
    assert "not 7 s" in page
    assert not too_long.runs.exists()


def test_the_admin_model_picker_offers_no_model_without_an_api_key(settings):
    from benchmarks.forms import BenchmarkModelsForm

    settings.RUNWAY_API_KEY = ""
    VideoModelFactory(slug="runway-gen4-5", synthetic=False)
    smooth = VideoModelFactory(slug="local-smooth")
    assert list(BenchmarkModelsForm().fields["models"].queryset) == [smooth]
    settings.RUNWAY_API_KEY = "set"
    assert BenchmarkModelsForm().fields["models"].queryset.count() == 2


def test_staff_enter_what_an_imported_clip_cost_in_the_admin_upload(client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.clips import make_clip

    model = VideoModelFactory(slug="studio-x", plugin_key="manual", synthetic=False)
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "paid.mp4", kind="smooth", seconds=1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with steps_queued("generation_transcode"):
        client.post(
            reverse("admin:benchmarks_benchmarkrun_import_clip"),
            {
                "clip": SimpleUploadedFile("paid.mp4", clip.read_bytes(), "video/mp4"),
                "video_model": model.pk,
                "prompt": prompt.pk,
                "cost": "0.60",
            },
        )
    generation = Generation.objects.get(run__prompt=prompt)
    assert generation.video_model == model
    assert generation.actual_cost == Decimal("0.60")
