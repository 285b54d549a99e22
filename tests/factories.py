"""Factories for every app's models (factory_boy): one module, shared by all tests."""

import secrets

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from arena.models import Pool, Vote
from benchmarks.models import (
    BenchmarkRun,
    Generation,
    Price,
    Prompt,
    Provider,
    SelfHostedEndpoint,
    VideoAsset,
    VideoModel,
)
from comparisons.models import Comparison


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ["slug"]

    slug = "local"
    name = "Lockstep demo renderer"


class VideoModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VideoModel
        django_get_or_create = ["slug"]

    provider = factory.SubFactory(ProviderFactory)
    slug = "local-smooth"
    plugin_key = factory.LazyAttribute(lambda o: o.slug)
    display_name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    synthetic = True
    capabilities = factory.LazyFunction(
        lambda: {"text_to_video": True, "seed": True, "durations": [5, 8], "audio": True}
    )


class SelfHostedEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelfHostedEndpoint

    name = factory.Sequence(lambda n: f"GPU box {n}")
    base_url = "http://127.0.0.1:8188"
    gpu_hour_price = "2.00"
    gpu_count = 1


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    video_model = factory.SubFactory(VideoModelFactory)
    amount = "0.05"


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prompt

    slug = factory.Sequence(lambda n: f"prompt-{n}")
    title = factory.Sequence(lambda n: f"Prompt {n}")
    text = "A red kite over a green hill, slow pan."
    category = Prompt.Category.SCENE


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenchmarkRun

    prompt = factory.SubFactory(PromptFactory)
    idempotency_key = factory.Sequence(lambda n: f"test-run-{n}")


class GenerationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Generation

    run = factory.SubFactory(RunFactory)
    video_model = factory.SubFactory(VideoModelFactory)


# --- Public pages (comparisons): outputs and comparisons ------------------------------------


class VideoAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "benchmarks.VideoAsset"

    generation = factory.SubFactory(GenerationFactory)
    tier = "standard"
    key = factory.LazyAttribute(lambda o: f"{o.tier}/{o.generation.pk}.mp4")
    content_type = "video/mp4"
    width = 1280
    height = 720
    fps = 24
    duration = 5.0
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class QualityReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "benchmarks.QualityReport"

    generation = factory.SubFactory(GenerationFactory)
    algorithm_version = "1"
    mean_coherence = 0.9
    min_coherence = 0.8
    std_coherence = 0.03
    frame_count = 24
    flicker_score = 0.5
    flicker_spikes = factory.LazyFunction(lambda: [1.25, 3.5])
    motion_mean = 4.0


class ComparisonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "comparisons.Comparison"

    slug = factory.Sequence(lambda n: f"comparison-{n}")
    title = factory.LazyAttribute(lambda o: o.prompt.title)
    prompt = factory.SubFactory(PromptFactory)
    published = True
    published_at = factory.LazyFunction(lambda: _now())


def _now():
    from django.utils import timezone

    return timezone.now()


# --- Arena: playable clips and votes ----------------------------------------------------------


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
