"""Staff notes on prompting each model for each category, on the model page and on the pages of
prompts of that category."""

import pytest

from benchmarks.models import Prompt, PromptPattern
from tests.comparisons.conftest import add_clip, published_run
from tests.factories import PromptFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patterns():
    kling = VideoModelFactory(slug="kling", display_name="Kling")
    veo = VideoModelFactory(slug="veo", display_name="Veo")
    add_clip(published_run(state="complete"), kling)
    PromptPattern.objects.create(
        video_model=kling, category=Prompt.Category.CAMERA,
        what_works="Name one move per shot.", what_fails="Two moves at once.",
        example_prompt="Slow dolly in on a lighthouse at dusk.",
    )  # fmt: skip
    PromptPattern.objects.create(
        video_model=veo, category=Prompt.Category.CAMERA, what_works="Describe the lens."
    )
    PromptPattern.objects.create(
        video_model=kling, category=Prompt.Category.MOTION, what_works="Hidden", published=False
    )
    return kling


def test_the_model_page_shows_its_published_patterns_by_category(client, patterns):
    html = client.get(patterns.get_absolute_url()).content.decode()
    assert "Camera shots" in html
    assert "Name one move per shot." in html
    assert "Two moves at once." in html
    assert "Slow dolly in on a lighthouse at dusk." in html
    assert "Hidden" not in html
    assert "Describe the lens." not in html  # Veo's, not Kling's


def test_a_prompt_page_shows_every_models_patterns_for_its_category(client, patterns):
    camera = PromptFactory(category=Prompt.Category.CAMERA)
    scene = PromptFactory(category=Prompt.Category.SCENE)
    html = client.get(camera.get_absolute_url()).content.decode()
    assert "Name one move per shot." in html
    assert "Describe the lens." in html
    assert "Name one move per shot." not in client.get(scene.get_absolute_url()).content.decode()
