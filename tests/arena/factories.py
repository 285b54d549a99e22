"""Arena factories. Kept next to the arena tests (tests/factories.py was being edited by others
at the same time); they build on the shared factories there."""

import secrets

import factory

from arena.models import Pool, Vote
from benchmarks.models import Generation, VideoAsset
from comparisons.models import Comparison
from tests.factories import GenerationFactory, PromptFactory, RunFactory, VideoModelFactory


class PlayableGenerationFactory(GenerationFactory):
    """A completed generation with a standard tier, in a published comparison: a clip the
    arena may show (GenerationQuerySet.public)."""

    class Meta:
        skip_postgeneration_save = True

    state = Generation.State.COMPLETE
    estimated_cost = "0.50"

    @factory.post_generation
    def assets(obj, create, extracted, **kwargs):
        if create:
            VideoAsset.objects.create(
                generation=obj, tier=VideoAsset.Tier.STANDARD, key=f"arena/{obj.pk}.mp4",
                content_type="video/mp4", width=320, height=180, fps=24, duration=2,
                sha256=f"{obj.pk:064x}",
            )  # fmt: skip

    @factory.post_generation
    def published(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            Comparison.objects.get_or_create(
                run=obj.run,
                defaults={
                    "slug": f"arena-run-{obj.run_id}", "title": "Arena run",
                    "prompt": obj.run.prompt, "published": True,
                },
            )  # fmt: skip


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
