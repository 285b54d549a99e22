"""The public side: comparison pages."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from benchmarks.models import Generation


class ComparisonQuerySet(models.QuerySet):
    def published(self):
        """Return comparisons visitors may see."""
        return self.filter(published=True)

    def featured(self):
        """Return comparisons staff featured."""
        return self.filter(featured=True)

    def of_prompt(self, prompt):
        """Return comparisons of one prompt."""
        return self.filter(prompt=prompt)

    def excluding(self, shown):
        """Return comparisons other than those already `shown` on the page."""
        return self.exclude(pk__in=[comparison.pk for comparison in shown])

    def latest_first(self):
        """Return comparisons newest first, with their prompt loaded."""
        return self.select_related("prompt", "run").order_by("-published_at", "-pk")

    def with_clips(self):
        """Return comparisons with their clips (and each clip's outputs) loaded."""
        return self.prefetch_related(
            models.Prefetch(
                "generations", queryset=Generation.objects.with_outputs().order_by("pk")
            )
        )


class Comparison(models.Model):
    """The public page for one run (or a curated set of generations) of one prompt."""

    slug = models.SlugField(unique=True, max_length=120)
    title = models.CharField(max_length=200)
    prompt = models.ForeignKey(
        "benchmarks.Prompt", on_delete=models.PROTECT, related_name="comparisons"
    )
    run = models.OneToOneField(
        "benchmarks.BenchmarkRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comparison",
    )
    #: The clips shown; by default the completed generations of `run`.
    generations = models.ManyToManyField("benchmarks.Generation", related_name="comparisons")
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    #: Storage key (default storage) of the 2x2 grid of the clips' posters shown when the page is
    #: shared (comparisons.share); empty until it is made, then pages use the first poster.
    share_image = models.CharField(max_length=300, blank=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # Home page: latest published comparisons.
            models.Index(fields=["published", "-published_at"], name="comparison_published"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("comparisons:detail", kwargs={"slug": self.slug})


from comparisons.summary import ModelSummary  # noqa: E402, F401  (its own module, a Django model)
