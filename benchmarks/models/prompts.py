"""What staff ask the models to make: prompts, their tags, and suites of prompts × models."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from benchmarks.providers.base import CAMERA_MOVES

#: Samples a run may ask for per model (each one paid for).
MAX_SAMPLES = 8


class AudioSetting(models.TextChoices):
    """Sound asked of the model. Blank means the model's default (on a suite: each prompt's)."""

    DEFAULT = "", "model default"
    ON = "on", "with sound"
    OFF = "off", "silent"


def audio_flag(value: str) -> bool | None:
    """Return an AudioSetting as the request's audio: True, False or None (model default)."""
    return {AudioSetting.ON: True, AudioSetting.OFF: False}.get(value)


CAMERA_CHOICES = [("", "no camera move asked"), *CAMERA_MOVES.items()]


class Tag(models.Model):
    name = models.SlugField(unique=True, max_length=40)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PromptQuerySet(models.QuerySet):
    def published(self):
        """Return prompts shown in the public prompt library."""
        return self.filter(published=True)

    def in_category(self, category: str):
        """Return prompts of one category (all of them for an empty one)."""
        return self.filter(category=category) if category else self

    def alphabetical(self):
        """Return prompts by title."""
        return self.order_by("title", "pk")

    def with_tags(self):
        """Return prompts with their tags loaded."""
        return self.prefetch_related("tags")

    def with_counts(self):
        """Return prompts with their number of public finished runs and published comparisons."""
        # Imported here: the models modules name each other by string and load in a fixed order.
        from benchmarks.models.runs import BenchmarkRun, Generation

        public_runs = Generation.objects.public().values("run_id")
        return self.annotate(
            run_count=models.Count(
                "runs",
                filter=models.Q(runs__state=BenchmarkRun.State.COMPLETE, runs__in=public_runs),
                distinct=True,
            ),
            comparison_count=models.Count(
                "comparisons", filter=models.Q(comparisons__published=True), distinct=True
            ),
        )


class Prompt(models.Model):
    class Category(models.TextChoices):
        MOTION = "motion"
        IDENTITY = "identity"
        SCENE = "scene"
        CAMERA = "camera"
        TALKING_HEAD = "talking_head", "talking head"

    class AspectRatio(models.TextChoices):
        LANDSCAPE = "16:9"
        PORTRAIT = "9:16"
        SQUARE = "1:1"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    text = models.TextField(max_length=2000)
    negative_prompt = models.TextField(blank=True, max_length=2000)
    category = models.CharField(max_length=20, choices=Category)
    tags = models.ManyToManyField(Tag, blank=True, related_name="prompts")
    reference_image = models.FileField(
        upload_to="prompt-images/", blank=True, help_text="First frame, for image-to-video."
    )
    end_image = models.FileField(
        upload_to="prompt-images/", blank=True, help_text="Last frame (end frame), if any."
    )
    duration = models.PositiveSmallIntegerField(default=5, help_text="Seconds.")
    aspect_ratio = models.CharField(
        max_length=5, choices=AspectRatio, default=AspectRatio.LANDSCAPE
    )
    audio = models.CharField(max_length=3, choices=AudioSetting, blank=True)
    camera_motion = models.CharField(max_length=12, choices=CAMERA_CHOICES, blank=True)
    camera_text = models.CharField(
        max_length=200,
        blank=True,
        help_text="The provider's own camera instruction, sent as is where it takes one "
        "(Kling: down_back, forward_up, right_turn_forward, left_turn_forward).",
    )
    seed = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: a seed per run (models that take one)."
    )
    staff_notes = models.TextField(blank=True, help_text="What works, per model.")
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PromptQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration__gte=1, duration__lte=60), name="prompt_duration_range"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("comparisons:prompt", kwargs={"slug": self.slug})


class PromptSuite(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    prompts = models.ManyToManyField(Prompt, related_name="suites")
    video_models = models.ManyToManyField("benchmarks.VideoModel", related_name="suites")
    schedule = models.ForeignKey(
        "django_celery_beat.CrontabSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="When to re-benchmark every prompt of the suite on its models.",
    )
    schedule_enabled = models.BooleanField(default=False)
    #: Settings the suite's runs override on every prompt (blank / empty: each prompt's own).
    samples = models.PositiveSmallIntegerField(
        default=1, help_text=f"Clips per model per prompt (1 to {MAX_SAMPLES}), each paid for."
    )
    audio = models.CharField(max_length=3, choices=AudioSetting, blank=True)
    camera_motion = models.CharField(max_length=12, choices=CAMERA_CHOICES, blank=True)
    seed = models.PositiveIntegerField(null=True, blank=True)
    #: The beat entry kept in step with `schedule` by `suite_schedule_sync`.
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(samples__gte=1, samples__lte=MAX_SAMPLES),
                name="suite_samples_range",
            ),
        ]

    def __str__(self):
        return self.name


class PromptPatternQuerySet(models.QuerySet):
    def published(self):
        """Return the patterns shown on the public site."""
        return self.filter(published=True)

    def of_model(self, video_model):
        """Return one model's patterns, by category."""
        return self.filter(video_model=video_model).order_by("category", "pk")

    def for_category(self, category: str):
        """Return every model's patterns for one prompt category, with their models loaded."""
        return (
            self.filter(category=category)
            .select_related("video_model")
            .order_by("video_model__display_name", "pk")
        )


class PromptPattern(models.Model):
    """Staff notes on how to prompt one model for one category of shot."""

    video_model = models.ForeignKey(
        "benchmarks.VideoModel", on_delete=models.CASCADE, related_name="prompt_patterns"
    )
    category = models.CharField(max_length=20, choices=Prompt.Category)
    what_works = models.TextField(blank=True)
    what_fails = models.TextField(blank=True)
    example_prompt = models.TextField(blank=True, max_length=2000)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PromptPatternQuerySet.as_manager()

    class Meta:
        ordering = ["video_model", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["video_model", "category"], name="prompt_pattern_one_per_category"
            ),
        ]

    def __str__(self):
        return f"{self.video_model} · {self.get_category_display()}"
