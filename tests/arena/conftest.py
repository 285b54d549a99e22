"""Arena fixtures: a grid of playable clips (models × prompts) and a voter's hashes."""

import pytest
from django.core.cache import cache

from arena.services import voter_hash
from tests.factories import PlayableGenerationFactory, PromptFactory, RunFactory, VideoModelFactory


def make_grid(*, models=4, prompts=2, prefix="arena", audio=True, synthetic=True, image="",
              category="scene"):  # fmt: skip
    """Create `models` models and one run per prompt with a playable clip of every model."""
    caps = {"text_to_video": True, "image_to_video": bool(image), "audio": audio}
    made = [
        VideoModelFactory(
            slug=f"{prefix}-{i}",
            display_name=f"{prefix.title()} Model {i}",
            synthetic=synthetic,
            capabilities=caps,
        )  # fmt: skip
        for i in range(models)
    ]
    generations = []
    for _ in range(prompts):
        prompt = PromptFactory(category=category, reference_image=image)
        run = RunFactory(prompt=prompt)
        generations += [
            PlayableGenerationFactory(run=run, video_model=m, assets__audio=audio) for m in made
        ]
    return made, generations


@pytest.fixture(autouse=True)
def no_watch_gate(settings):
    """Votes in most tests come at once: the watch-time gate is tested on its own."""
    settings.ARENA_MIN_WATCH_SHARE = 0


@pytest.fixture(autouse=True)
def fresh_cache():
    """Pair sampling caches what it reads: start every test without another test's clips."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def grid(db):
    """Four synthetic models with audio (pool t2v_audio), two prompts: 12 clip pairs."""
    return make_grid()


@pytest.fixture
def voter():
    return voter_hash("session-one")


@pytest.fixture
def ip():
    return voter_hash("ip:127.0.0.1")
