"""Reads for the arena: votes, rating fits, and the clips that may be paired."""

from datetime import timedelta

from django.db import models
from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from benchmarks.models import Generation, VideoAsset, VideoModel
from comparisons.querysets import ClipQuerySet, clips


class VoteQuerySet(models.QuerySet):
    def counted(self):
        """Return votes that count: not voided (by staff, screening, the watch gate or a reveal)."""
        return self.filter(voided=False)

    def on_public_clips(self):
        """Return votes whose two clips are both public (the only votes ratings and export use)."""
        public = clips().public().values("pk")
        return self.filter(generation_a__in=public, generation_b__in=public)

    def in_ratings(self):
        """Return the votes the published ratings are fitted from: counted, on public clips."""
        return self.counted().on_public_clips()

    def flagged(self):
        """Return votes screening held back as suspicious, awaiting staff review."""
        return self.filter(reason=self.model.Reason.SUSPICIOUS)

    def screenable(self):
        """Return votes screening may judge: counted or flagged, never ones staff restored."""
        return self.filter(Q(voided=False) | Q(reason=self.model.Reason.SUSPICIOUS), reviewed=False)

    def in_pool(self, pool: str):
        """Return votes of one rating pool."""
        return self.filter(pool=pool)

    def in_category(self, category: str | None):
        """Return votes on prompts of one category (all of them for an empty one)."""
        return self.filter(category=category) if category else self

    def of_prompt(self, prompt):
        """Return votes on one prompt's clips."""
        return self.filter(prompt=prompt)

    def of_voter(self, voter_hash: str):
        """Return the votes of one voter (a hashed session)."""
        return self.filter(voter_hash=voter_hash)

    def recent_counts(self, *, voter: str, voter_seconds: int, ip: str, ip_seconds: int):
        """Return (votes of `voter` in its window, votes from `ip` in its window), in one query."""
        now = timezone.now()
        by_voter = Q(voter_hash=voter, created_at__gte=now - timedelta(seconds=voter_seconds))
        by_ip = Q(ip_hash=ip, created_at__gte=now - timedelta(seconds=ip_seconds))
        counts = self.filter(by_voter | by_ip).aggregate(
            voter=Count("pk", filter=by_voter), ip=Count("pk", filter=by_ip)
        )
        return counts["voter"], counts["ip"]

    def pairs(self) -> set[tuple[int, int]]:
        """Return the (generation_a, generation_b) pairs these votes are on."""
        return set(self.values_list("generation_a_id", "generation_b_id").order_by())

    def side_counts(self) -> tuple[int, int]:
        """Return (decisive votes, of which the left clip won): a check on position bias."""
        left_won = Q(outcome="a", a_on_left=True) | Q(outcome="b", a_on_left=False)
        counts = self.filter(outcome__in=("a", "b")).aggregate(
            decisive=Count("pk"), left=Count("pk", filter=left_won)
        )
        return counts["decisive"], counts["left"]

    def fit_rows(self):
        """Return the flat rows a rating fit reads, in one query, in the votes export's order."""
        return self.values_list("pool", "category", "model_a_id", "model_b_id", "outcome").order_by(
            "created_at", "pk"
        )

    def fit_counts(self):
        """Return (pool, category, model a, model b, outcome, votes) rows: what a fit reads,
        counted by the database (one row per kind of vote, not per vote)."""
        return (
            self.values_list("pool", "category", "model_a_id", "model_b_id", "outcome")
            .annotate(n=Count("pk"))
            .order_by("pool", "category", "model_a_id", "model_b_id", "outcome")
        )

    def shown_counts(self):
        """Return (model a, model b, category, votes) rows: how often each pair was shown."""
        return (
            self.values_list("model_a_id", "model_b_id", "category")
            .annotate(n=Count("pk"))
            .order_by()
        )


class RatingFitQuerySet(models.QuerySet):
    def of(self, pool: str, category: str | None = None):
        """Return fits of one pool and category ("" or None: all categories)."""
        return self.filter(pool=pool, category=category or "")

    def latest_first(self):
        """Return fits newest first."""
        return self.order_by("-computed_at", "-pk")

    def pools_and_categories(self):
        """Return the distinct (pool, category) pairs these fits are of."""
        return self.values_list("pool", "category").distinct()

    def current(self):
        """Return only the newest fit of each pool and category."""
        newest = (
            type(self)(model=self.model)
            .filter(pool=OuterRef("pool"), category=OuterRef("category"))
            .order_by("-computed_at", "-pk")
        )
        return self.filter(pk=Subquery(newest.values("pk")[:1]))


class RatingQuerySet(models.QuerySet):
    def of_fit(self, fit):
        """Return the ratings of one fit, best first."""
        return self.filter(fit=fit).order_by("rank", "video_model__display_name")

    def with_model(self):
        """Return ratings with their model and its provider loaded."""
        return self.select_related("video_model__provider")


class ArenaClipQuerySet(ClipQuerySet):
    """Generations as the arena sees them: clips that may be shown blind."""

    def eligible(self):
        """Return public, completed, probed clips of models that are not retired and whose
        picture does not name the model."""
        # Imported here: the renderer's module loads OpenCV, which a web process need not.
        from benchmarks.providers.local.plugin import NAMED_RENDERERS

        playable = VideoAsset.objects.filter(
            generation=OuterRef("pk"),
            tier__in=(VideoAsset.Tier.STANDARD, VideoAsset.Tier.PREVIEW),
            has_audio__isnull=False,
        )
        named = Q()
        for version in NAMED_RENDERERS:
            named |= Q(model_version__endswith=f"@{version}")
        return (
            self.public()
            .filter(Exists(playable), state=Generation.State.COMPLETE)
            .exclude(video_model__lifecycle=VideoModel.Lifecycle.RETIRED)
            .exclude(named, video_model__synthetic=True)
        )

    def pair_rows(self):
        """Return the flat rows pair sampling needs, in one query."""
        # The tier the arena plays (standard, else preview) decides the audio pool.
        played = VideoAsset.objects.filter(
            generation=OuterRef("pk"),
            tier__in=(VideoAsset.Tier.STANDARD, VideoAsset.Tier.PREVIEW),
        ).order_by("-tier")  # "standard" sorts after "preview"
        return (
            self.annotate(audio=Subquery(played.values("has_audio")[:1]))
            .values_list(
                "pk",
                "video_model_id",
                "video_model__synthetic",
                "audio",
                "run__prompt_id",
                "run__prompt__category",
                "run__prompt__reference_image",
            )
            .order_by()
        )

    def with_outputs(self):
        """Return clips with model, prompt, report and files loaded (for the player)."""
        return self.select_related(
            "video_model__provider", "quality_report", "run__prompt"
        ).prefetch_related("assets")

    def in_mode(self, pool: str):
        """Return clips of a pool's mode: image to video (prompt has a first frame) or text."""
        if pool.startswith("i2v"):
            return self.exclude(run__prompt__reference_image="")
        return self.filter(run__prompt__reference_image="")

    def model_numbers(self) -> dict[int, dict[str, float | None]]:
        """Return each model's mean cost per clip (billed, else estimated) and mean coherence."""
        rows = (
            self.values("video_model_id")
            .annotate(
                cost=Avg(Coalesce("actual_cost", "estimated_cost")),
                coherence=Avg("quality_report__mean_coherence"),
            )
            .order_by()
        )
        return {
            row["video_model_id"]: {
                "cost": float(row["cost"]) if row["cost"] is not None else None,
                "coherence": row["coherence"],
            }
            for row in rows
        }


class FailureTagQuerySet(models.QuerySet):
    def counted(self):
        """Return tags of votes that count toward the ratings."""
        from arena.models import Vote

        return self.filter(vote__in=Vote.objects.in_ratings().values("pk"))

    def kind_counts(self):
        """Return (model, category, kind, tags) rows."""
        return (
            self.values_list("video_model_id", "vote__category", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        )


def arena_clips() -> ArenaClipQuerySet:
    """Return the arena's read API over generations."""
    return ArenaClipQuerySet(model=Generation)
