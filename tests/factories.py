import factory
from django.contrib.auth import get_user_model

from benchmarks.models import BenchmarkRun, Generation, Price, Prompt, Provider, VideoModel


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
