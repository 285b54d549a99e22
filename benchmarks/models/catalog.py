"""The catalog: providers, their versioned models, and the price history of each model."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from benchmarks.providers.base import Capabilities, Lifecycle
from benchmarks.providers.registry import PLUGINS, plugin_choices, plugin_for
from benchmarks.providers.selfhosted import ConfigError, SelfHostedConfig


class Provider(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SelfHostedEndpoint(models.Model):
    """A video server staff run on their own GPUs (ComfyUI or OpenAI-compatible), and its price."""

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(
        help_text="ComfyUI: http://host:8188. OpenAI-compatible: up to /v1 (http://host:8000/v1)."
    )
    auth_header = models.CharField(
        max_length=500,
        blank=True,
        help_text='Optional header sent on every call, as "Name: value" '
        '(e.g. "Authorization: Bearer …" for a reverse proxy).',
    )
    gpu_hour_price = models.DecimalField(
        max_digits=10, decimal_places=4, help_text="US dollars per GPU-hour (rental or amortized)."
    )
    gpu_count = models.PositiveSmallIntegerField(
        default=1, help_text="GPUs one job holds while it runs (the whole box for most servers)."
    )
    monthly_fixed_cost = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Optional: US dollars a month whatever the volume (reserved box, ops time).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gpu_hour_price__gte=Decimal("0")),
                name="endpoint_gpu_price_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(gpu_count__gte=1), name="endpoint_gpus_min_1"
            ),
        ]

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

    def benchmarked(self):
        """Return models with at least one public generation."""
        # Imported here: runs.py imports this module.
        from benchmarks.models.runs import Generation

        return self.filter(pk__in=Generation.objects.public().values("video_model"))

    def api_models(self):
        """Return models a team pays an API for: not self-hosted, not the demo, not retired."""
        return self.filter(endpoint__isnull=True, synthetic=False).exclude(
            lifecycle=VideoModel.Lifecycle.RETIRED
        )

    def self_hosted(self):
        """Return models on a self-hosted endpoint, not retired, endpoint loaded."""
        return (
            self.filter(endpoint__isnull=False)
            .exclude(lifecycle=VideoModel.Lifecycle.RETIRED)
            .select_related("endpoint")
        )

    def with_pks(self, pks):
        """Return the models whose primary keys are in `pks`."""
        return self.filter(pk__in=pks)

    def with_provider(self):
        """Return models with their provider loaded in the same query."""
        return self.select_related("provider")

    def for_listing(self):
        """Return models without what a list of them never shows (VideoModel.UNLISTED)."""
        return self.defer(*VideoModel.UNLISTED)

    def names(self) -> dict[int, tuple[str, bool]]:
        """Return {pk: (display name, is self-hosted)}: what ranking a model needs, without
        loading it (a leaderboard ranks every model and shows a page of them)."""
        return {
            pk: (name, endpoint is not None)
            for pk, name, endpoint in self.values_list("pk", "display_name", "endpoint_id")
        }

    def with_prices(self):
        """Return models with their whole price history loaded, newest first."""
        return self.prefetch_related(
            models.Prefetch("prices", queryset=Price.objects.order_by("-valid_from", "resolution"))
        )


class VideoModel(models.Model):
    Lifecycle = Lifecycle  # the plugins' own enum (benchmarks/providers/base.py): one, not two
    #: What a list of models never shows: their capabilities, a self-hosted workflow (JSON
    #: decoded for nothing, 300 times per leaderboard), staff notes.
    UNLISTED = ("capabilities", "workflow", "staff_notes")

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
    #: Self-hosted models only (plugins "comfyui", "openai-compatible").
    endpoint = models.ForeignKey(
        SelfHostedEndpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="video_models",
        help_text="The server a self-hosted plugin calls; empty for API models.",
    )
    workflow = models.JSONField(
        default=dict,
        blank=True,
        help_text="ComfyUI only: the workflow from Export (API), with placeholders such as "
        "{{prompt}}, {{negative_prompt}}, {{seed}}, {{width}}, {{height}}, {{frames}}, {{fps}}, "
        '{{image}}, {{end_image}}. Frame rate: capabilities\' "fps" (default 24).',
    )

    objects = VideoModelQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "display_name"]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("comparisons:model", kwargs={"slug": self.slug})

    def clean(self):
        """Check a self-hosted model's endpoint and settings, naming what is wrong."""
        if not self.plugin_key or self.plugin_key not in PLUGINS:
            return
        plugin = plugin_for(self)
        if not plugin.self_hosted:
            return
        if self.endpoint_id is None:
            raise ValidationError({"endpoint": "A self-hosted plugin needs an endpoint."})
        try:
            plugin.check_config()
        except ConfigError as exc:
            raise ValidationError({exc.field: str(exc)}) from exc

    @property
    def is_self_hosted(self) -> bool:
        return self.endpoint_id is not None

    def selfhost_config(self) -> SelfHostedConfig | None:
        """Return the endpoint and model settings a self-hosted plugin needs, as plain values."""
        endpoint = self.endpoint
        if endpoint is None:
            return None
        capabilities = self.capabilities or {}
        return SelfHostedConfig(
            base_url=endpoint.base_url,
            gpu_hour_price=endpoint.gpu_hour_price,
            gpu_count=endpoint.gpu_count,
            auth_header=endpoint.auth_header,
            model_id=self.model_id,
            display_name=self.display_name,
            workflow=self.workflow or {},
            capabilities=Capabilities.from_dict(capabilities),
            fps=int(capabilities.get("fps") or 24),
        )

    @property
    def is_retired(self) -> bool:
        return self.lifecycle == self.Lifecycle.RETIRED

    def price_at(self, when=None, resolution: str = ""):
        """Return the Price in force at `when` (now by default) for `resolution`, or None."""
        when = when or timezone.now()
        prices = self.prices.filter(valid_from__lte=when).order_by("-valid_from")
        return prices.filter(resolution=resolution).first() or prices.filter(resolution="").first()


class PriceQuerySet(models.QuerySet):
    def valid_at(self, when=None):
        """Return prices already in force at `when` (now by default), newest first."""
        return self.filter(valid_from__lte=when or timezone.now()).order_by(
            "video_model_id", "-valid_from"
        )

    def of_models(self, model_ids):
        """Return prices of the models whose ids are in `model_ids`."""
        return self.filter(video_model_id__in=model_ids)


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

    objects = PriceQuerySet.as_manager()

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
