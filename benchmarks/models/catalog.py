"""The catalog: providers, their versioned models, and the price history of each model."""

from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils import timezone

from benchmarks.providers.registry import plugin_choices


class Provider(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class VideoModelQuerySet(models.QuerySet):
    def usable(self):
        """Return models a new run may name: not retired."""
        return self.exclude(lifecycle=VideoModel.Lifecycle.RETIRED)

    def runnable(self):
        """Return models a run can start on now: not retired, and their plugin has its API key."""
        from benchmarks.providers.registry import PLUGINS, get_plugin

        ready = [key for key in PLUGINS if get_plugin(key).is_configured()]
        return self.usable().filter(plugin_key__in=ready)

    def with_provider(self):
        """Return models with their provider loaded in the same query."""
        return self.select_related("provider")


class VideoModel(models.Model):
    class Lifecycle(models.TextChoices):
        ACTIVE = "active"
        DEPRECATED = "deprecated"
        RETIRED = "retired"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="models")
    slug = models.SlugField(unique=True)
    display_name = models.CharField(max_length=120)
    plugin_key = models.CharField(max_length=60, choices=plugin_choices)
    #: The provider's own model id ("gen4.5", "ray-2").
    model_id = models.CharField(max_length=120, blank=True)
    #: text_to_video, image_to_video, end_frame, audio, camera_control, seed, durations, ...
    capabilities = models.JSONField(default=dict, blank=True)
    lifecycle = models.CharField(max_length=12, choices=Lifecycle, default=Lifecycle.ACTIVE)
    deprecated_on = models.DateField(null=True, blank=True)
    retired_on = models.DateField(null=True, blank=True)
    synthetic = models.BooleanField(
        default=False, help_text="Clips are rendered procedurally by the demo plugin."
    )
    staff_notes = models.TextField(blank=True, help_text="What prompts work well for this model.")

    objects = VideoModelQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "display_name"]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("comparisons:model", kwargs={"slug": self.slug})

    @property
    def is_retired(self) -> bool:
        return self.lifecycle == self.Lifecycle.RETIRED

    def price_at(self, when=None, resolution: str = ""):
        """Return the Price in force at `when` (now by default) for `resolution`, or None."""
        when = when or timezone.now()
        prices = self.prices.filter(valid_from__lte=when).order_by("-valid_from")
        return prices.filter(resolution=resolution).first() or prices.filter(resolution="").first()


class Price(models.Model):
    class Unit(models.TextChoices):
        SECOND = "second", "per second of video"
        CLIP = "clip", "per clip"

    video_model = models.ForeignKey(VideoModel, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(max_digits=10, decimal_places=4, help_text="US dollars.")
    unit = models.CharField(max_length=10, choices=Unit, default=Unit.SECOND)
    resolution = models.CharField(max_length=10, blank=True, help_text="Empty: any resolution.")
    valid_from = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["video_model", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=Decimal("0")), name="price_amount_non_negative"
            ),
            models.UniqueConstraint(
                fields=["video_model", "resolution", "valid_from"], name="price_unique_start"
            ),
        ]
        indexes = [
            # VideoModel.price_at: latest price of a model before a moment.
            models.Index(fields=["video_model", "valid_from"], name="price_model_from"),
        ]

    def __str__(self):
        return f"{self.video_model}: ${self.amount} {self.get_unit_display()}"
