"""Arena factories. Kept next to the arena tests (tests/factories.py was being edited by others
at the same time); they build on the shared factories there."""

import secrets

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from arena.models import Pool, Vote
from benchmarks.models import Generation, VideoAsset
from comparisons.models import Comparison
from tests.factories import (
    ComparisonFactory,
    GenerationFactory,
    PromptFactory,
    RunFactory,
    VideoModelFactory,
)


def _stored(key: str, size: int) -> str:
    """Write `size` random bytes under `key` in the default storage (the public media)."""
    default_storage.delete(key)
    return default_storage.save(key, ContentFile(secrets.token_bytes(size)))


class PlayableGenerationFactory(GenerationFactory):
    """A completed generation with a standard tier and a poster, stored as (random) files, in
    its run's published comparison: a public clip the arena may show.

    `assets__audio=False` makes its standard tier silent; `comparison__published=False` keeps
    its comparison unpublished.
    """

    class Meta:
        skip_postgeneration_save = True

    state = Generation.State.COMPLETE
    estimated_cost = "0.50"

    @factory.post_generation
    def assets(obj, create, extracted, audio=True, **kwargs):
        if not create:
            return
        # Sizes differ per clip, as real encodes do: the blindness tests match on them.
        size = 3000 + secrets.randbelow(20000)
        VideoAsset.objects.create(
            generation=obj, tier=VideoAsset.Tier.STANDARD,
            key=_stored(f"arena/{obj.pk}.mp4", size), content_type="video/mp4", width=320,
            height=180, fps=24, duration=2, size_bytes=size, sha256=f"{obj.pk:064x}",
            has_audio=audio,
        )  # fmt: skip
        poster = 500 + secrets.randbelow(3000)
        VideoAsset.objects.create(
            generation=obj, tier=VideoAsset.Tier.POSTER,
            key=_stored(f"arena/{obj.pk}.jpg", poster), content_type="image/jpeg",
            size_bytes=poster, sha256=f"{obj.pk + 1:064x}",
        )  # fmt: skip

    @factory.post_generation
    def comparison(obj, create, extracted, published=True, **kwargs):
        if not create:
            return
        comparison = Comparison.objects.filter(run=obj.run).first() or ComparisonFactory(
            run=obj.run, prompt=obj.run.prompt, published=published
        )
        comparison.generations.add(obj)


class VoteFactory(factory.django.DjangoModelFactory):
    """A counted vote between two playable generations of one prompt (A wins by default)."""

    class Meta:
        model = Vote

    generation_a = factory.SubFactory(PlayableGenerationFactory)
    generation_b = factory.SubFactory(
        PlayableGenerationFactory,
        run=factory.SelfAttribute("..generation_a.run"),
        video_model=factory.SubFactory(
            VideoModelFactory, slug=factory.Sequence(lambda n: f"m-{n}")
        ),
    )
    model_a = factory.SelfAttribute("generation_a.video_model")
    model_b = factory.SelfAttribute("generation_b.video_model")
    prompt = factory.SelfAttribute("generation_a.run.prompt")
    pool = Pool.T2V_AUDIO
    category = factory.SelfAttribute("prompt.category")
    outcome = Vote.Outcome.A
    a_on_left = True
    nonce = factory.LazyFunction(lambda: secrets.token_hex(16))
    voter_hash = factory.LazyFunction(lambda: secrets.token_hex(32))
    ip_hash = factory.LazyFunction(lambda: secrets.token_hex(32))


__all__ = ["PlayableGenerationFactory", "PromptFactory", "RunFactory", "VoteFactory"]
