"""What staff ask the models to make: prompts, their tags, and suites of prompts × models."""

from django.db import models
from django.urls import reverse
from django.utils import timezone


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
    duration = models.PositiveSmallIntegerField(default=5, help_text="Seconds.")
    aspect_ratio = models.CharField(
        max_length=5, choices=AspectRatio, default=AspectRatio.LANDSCAPE
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

    def __str__(self):
        return self.name
