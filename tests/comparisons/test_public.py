"""What is public: clips of published comparisons, and nothing else, on every public page."""

import pytest

from benchmarks.models import BenchmarkRun, Generation
from tests.comparisons.conftest import add_clip
from tests.factories import PlayableGenerationFactory, PromptFactory, RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def test_the_arena_never_draws_a_clip_of_an_unpublished_run():
    shown = PlayableGenerationFactory()
    PlayableGenerationFactory(
        run=RunFactory(prompt=PromptFactory(published=True)), comparison__published=False
    )
    assert list(Generation.objects.arena_eligible()) == [shown]


def test_an_unpublished_staff_run_is_not_offered_as_then_on_a_comparison_page(client, catalog):
    comparison = catalog["comparisons"][0]
    test_run = RunFactory(prompt=comparison.prompt, state="complete")
    add_clip(test_run, comparison.generations.first().video_model)
    page = client.get(comparison.get_absolute_url()).content.decode()
    assert f'<option value="{test_run.pk}"' not in page
    html = client.get(f"{comparison.get_absolute_url()}?vs={test_run.pk}").content.decode()
    assert "How the numbers moved" not in html
    assert not BenchmarkRun.objects.public().filter(pk=test_run.pk).exists()


def test_an_unpublished_clip_is_not_on_its_model_page(client, catalog):
    model = catalog["models"][0]
    hidden = add_clip(RunFactory(state="complete"), model)
    shown = client.get(model.get_absolute_url()).context["model_clips"]
    assert shown
    assert hidden not in [clip.generation for clip in shown]
    assert hidden not in Generation.objects.public()


def test_a_model_with_only_unpublished_clips_has_no_public_page(client):
    model = VideoModelFactory(slug="secret", synthetic=False)
    add_clip(RunFactory(prompt=PromptFactory(published=True), state="complete"), model)
    assert client.get(model.get_absolute_url()).status_code == 404


def test_the_prompt_library_counts_only_public_runs(client, catalog):
    prompt = catalog["comparisons"][0].prompt
    add_clip(RunFactory(prompt=prompt, state="complete"), catalog["models"][0])  # a staff test
    listed = {p.pk: p for p in client.get("/prompts/").context["prompts"]}
    assert listed[prompt.pk].run_count == 1
