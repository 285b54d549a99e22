import factory
from django.contrib.auth import get_user_model

from benchmarks.models import (
    BenchmarkRun,
    Generation,
    Price,
    Prompt,
    Provider,
    SelfHostedEndpoint,
    VideoModel,
)


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
