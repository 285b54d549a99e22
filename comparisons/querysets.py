"""Reads for the public pages: chainable QuerySets over the catalog, runs and comparisons.

Each public page is built from these, and each read loads what its template shows in a fixed
number of queries (select_related / prefetch_related), so a page costs the same whether it shows
three clips or three hundred.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from benchmarks.models import BenchmarkRun, Generation, Price, Prompt, VideoAsset, VideoModel
from benchmarks.models.runs import GenerationQuerySet
from benchmarks.providers.base import CAMERA_MOVES
from comparisons.models import Comparison, ComparisonQuerySet


@dataclass(frozen=True)
class ClipFilter:
    """The leaderboard's filters; the model page's clip list takes the same ones."""

    category: str = ""
    mode: str = ""  # "t2v" or "i2v"
    duration: int | None = None
    aspect_ratio: str = ""
    audio: str = ""  # "on" (asked with sound) or "off" (asked silent)
    end_frame: str = ""  # "with" or "without"
    camera: str = ""  # "move" (any camera setting), "none", or one move of CAMERA_MOVES

    MODES = {"t2v": "text to video", "i2v": "image to video"}
    AUDIO = {"on": "with audio", "off": "silent"}
    END_FRAME = {"with": "with end frame", "without": "without end frame"}
    CAMERA = {"move": "camera move", "none": "no camera move", **CAMERA_MOVES}

    @classmethod
    def from_query(cls, params) -> "ClipFilter":
        """Return the filter a query string asks for, ignoring values that make no sense."""
        category = params.get("category", "")
        mode = params.get("mode", "")
        aspect = params.get("aspect", "")
        duration = params.get("duration", "")
        return cls(
            category=category if category in Prompt.Category.values else "",
            mode=mode if mode in cls.MODES else "",
            duration=int(duration)
            if duration.isascii() and duration.isdigit() and 0 < int(duration) <= 60
            else None,
            aspect_ratio=aspect if aspect in Prompt.AspectRatio.values else "",
            audio=_choice(params, "audio", cls.AUDIO),
            end_frame=_choice(params, "end_frame", cls.END_FRAME),
            camera=_choice(params, "camera", cls.CAMERA),
        )

    def as_query(self) -> dict[str, str]:
        """Return the filter as query-string parameters (empty ones left out)."""
        values = {
            "category": self.category,
            "mode": self.mode,
            "duration": str(self.duration) if self.duration else "",
            "aspect": self.aspect_ratio,
            "audio": self.audio,
            "end_frame": self.end_frame,
            "camera": self.camera,
        }
        return {k: v for k, v in values.items() if v}

    def q(self, prefix: str = "") -> Q:
        """Return the filter as a Q over generations (`prefix` leads from another model)."""
        q = Q()
        if self.category:
            q &= Q(**{f"{prefix}run__prompt__category": self.category})
        if self.mode == "i2v":
            q &= ~Q(**{f"{prefix}run__prompt__reference_image": ""})
        elif self.mode == "t2v":
            q &= Q(**{f"{prefix}run__prompt__reference_image": ""})
        if self.duration:
            q &= Q(**{f"{prefix}run__duration": self.duration})
        if self.aspect_ratio:
            q &= Q(**{f"{prefix}run__aspect_ratio": self.aspect_ratio})
        if self.audio:
            q &= Q(**{f"{prefix}run__audio": self.audio})
        if self.end_frame:
            no_end = Q(**{f"{prefix}run__end_image": ""})
            q &= no_end if self.end_frame == "without" else ~no_end
        if self.camera:
            still = Q(**{f"{prefix}run__camera_motion": ""}) & Q(
                **{f"{prefix}run__camera_text": ""}
            )
            if self.camera == "none":
                q &= still
            elif self.camera == "move":
                q &= ~still
            else:
                q &= Q(**{f"{prefix}run__camera_motion": self.camera})
        return q

    def __bool__(self) -> bool:
        return bool(self.as_query())


def _choice(params, name: str, allowed: dict) -> str:
    value = params.get(name, "")
    return value if value in allowed else ""


class ClipQuerySet(GenerationQuerySet):
    """Generations as the public site sees them."""

    def completed(self):
        """Return generations that produced a clip."""
        return self.filter(state=Generation.State.COMPLETE)

    def ended(self):
        """Return generations that completed or failed (the ones a success rate counts)."""
        return self.filter(state__in=Generation.FINAL_STATES)

    def of_model(self, model):
        """Return generations of one video model."""
        return self.filter(video_model=model)

    def of_prompt(self, prompt):
        """Return generations of runs of one prompt."""
        return self.filter(run__prompt=prompt)

    def of_run(self, run_id):
        """Return generations of one run."""
        return self.filter(run_id=run_id)

    def of_sample(self, sample: int):
        """Return the generations that are sample `sample` of their model in their run."""
        return self.filter(sample=sample)

    def with_samples(self):
        """Return generations with what a sample summary reads: spend, model, quality report."""
        return (
            self.with_spent()
            .select_related("video_model", "quality_report")
            .defer("request_sent", "quality_report__series", "quality_report__flicker_spikes")
            .order_by("sample", "pk")
        )

    def matching(self, clip_filter: ClipFilter):
        """Return generations whose run matches the leaderboard filter."""
        return self.filter(clip_filter.q())

    def newest_first(self):
        """Return generations, newest run first."""
        return self.order_by("-run__created_at", "-pk")

    def with_outputs(self):
        """Return generations with model, provider, run, prompt, report and files loaded."""
        return self.select_related(
            "video_model__provider", "quality_report", "run__prompt"
        ).prefetch_related("assets")

    def with_comparisons(self):
        """Return generations with the published comparisons that show them loaded."""
        return self.prefetch_related(
            Prefetch(
                "comparisons",
                queryset=Comparison.objects.published().order_by("-published_at"),
                to_attr="public_comparisons",
            )
        )

    def stats_rows(self):
        """Return the flat rows the leaderboard aggregates, in one query."""
        clip_seconds = VideoAsset.objects.filter(
            generation=OuterRef("pk"), tier=VideoAsset.Tier.ORIGINAL
        ).values("duration")[:1]
        return (
            self.with_spent()
            .annotate(clip_seconds=Subquery(clip_seconds))
            .values(
                "pk",
                "video_model_id",
                "state",
                "queued_at",
                "submitting_at",
                "submitted_at",
                "downloading_at",
                "transcoding_at",
                "scoring_at",
                "completed_at",
                "clip_seconds",
                "actual_cost",
                "estimated_cost",
                "spent",
                "spent_known",
                "run_id",
                "run__created_at",
                "run__duration",
                "quality_report__mean_coherence",
                "quality_report__flicker_score",
                "quality_report__motion_mean",
                "quality_report__frozen_fraction",
                "quality_report__black_fraction",
                "tagged_unusable",
                "quality_report__flicker_spikes",
            )
            .order_by()
        )


def clips() -> ClipQuerySet:
    """Return the public read API over generations."""
    return ClipQuerySet(model=Generation)


class PublicComparisonQuerySet(ComparisonQuerySet):
    """Comparisons with the reads the public pages need."""

    def featured(self):
        """Return comparisons staff featured."""
        return self.filter(featured=True)

    def of_prompt(self, prompt):
        """Return comparisons of one prompt."""
        return self.filter(prompt=prompt)

    def excluding(self, shown):
        """Return comparisons other than those already `shown` on the page."""
        return self.exclude(pk__in=[comparison.pk for comparison in shown])

    def with_clips(self):
        """Return comparisons with their clips (and each clip's outputs) loaded."""
        return self.prefetch_related(
            Prefetch("generations", queryset=clips().with_outputs().order_by("pk"))
        )


def comparisons() -> PublicComparisonQuerySet:
    """Return the public read API over comparisons."""
    return PublicComparisonQuerySet(model=Comparison)


class RunQuerySet(models.QuerySet):
    """Benchmark runs as the public site sees them."""

    def public(self):
        """Return runs with a public generation (GenerationQuerySet.public is the rule)."""
        return self.filter(pk__in=Generation.objects.public().values("run_id"))

    def finished(self):
        """Return runs that made at least one clip."""
        return self.filter(state=BenchmarkRun.State.COMPLETE)

    def demo_preparing(self):
        """Return demo runs still rendering (their comparison is published when they end)."""
        return self.filter(trigger=BenchmarkRun.Trigger.DEMO, state=BenchmarkRun.State.RUNNING)

    def of_prompt(self, prompt):
        """Return runs of one prompt, newest first."""
        return self.filter(prompt=prompt).order_by("-created_at", "-pk")

    def other_than(self, run_id):
        """Return runs except one (the run a comparison page already shows)."""
        return self.exclude(pk=run_id) if run_id else self

    def with_counts(self):
        """Return runs with their number of clips and published comparison loaded."""
        return self.select_related("comparison").annotate(
            clip_count=Count("generations", filter=Q(generations__state=Generation.State.COMPLETE))
        )


def runs() -> RunQuerySet:
    """Return the public read API over runs."""
    return RunQuerySet(model=BenchmarkRun)


class ModelQuerySet(models.QuerySet):
    """Video models as the public site sees them."""

    def benchmarked(self):
        """Return models with at least one public generation."""
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
        """Return models with their provider loaded."""
        return self.select_related("provider")

    def with_prices(self):
        """Return models with their whole price history loaded, newest first."""
        return self.prefetch_related(
            Prefetch("prices", queryset=Price.objects.order_by("-valid_from", "resolution"))
        )


def video_models() -> ModelQuerySet:
    """Return the public read API over video models."""
    return ModelQuerySet(model=VideoModel)


class PriceQuerySet(models.QuerySet):
    """Prices for the leaderboard."""

    def valid_at(self, when=None):
        """Return prices already in force at `when` (now by default), newest first."""
        return self.filter(valid_from__lte=when or timezone.now()).order_by(
            "video_model_id", "-valid_from"
        )

    def of_models(self, model_ids):
        """Return prices of the models whose ids are in `model_ids`."""
        return self.filter(video_model_id__in=model_ids)


def prices() -> PriceQuerySet:
    """Return the public read API over prices."""
    return PriceQuerySet(model=Price)


class PromptLibraryQuerySet(models.QuerySet):
    """Prompts in the public library."""

    def published(self):
        """Return prompts shown in the public prompt library."""
        return self.filter(published=True)

    def with_tags(self):
        """Return prompts with their tags loaded."""
        return self.prefetch_related("tags")

    def with_counts(self):
        """Return prompts with their number of public finished runs and published comparisons."""
        public_runs = Generation.objects.public().values("run_id")
        return self.annotate(
            run_count=Count(
                "runs",
                filter=Q(runs__state=BenchmarkRun.State.COMPLETE, runs__in=public_runs),
                distinct=True,
            ),
            comparison_count=Count(
                "comparisons", filter=Q(comparisons__published=True), distinct=True
            ),
        )

    def alphabetical(self):
        """Return prompts by title."""
        return self.order_by("title", "pk")

    def in_category(self, category: str):
        """Return prompts of one category (all of them for an empty one)."""
        return self.filter(category=category) if category else self


def prompts() -> PromptLibraryQuerySet:
    """Return the public read API over prompts."""
    return PromptLibraryQuerySet(model=Prompt)
