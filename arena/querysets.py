"""Reads of the arena's models: votes, rating fits, ratings and failure tags.

The clips the arena may pair are generations: their reads are on Generation.objects
(`arena_eligible()`, `arena_pair_rows()`, `in_pool_mode()`, `model_numbers()`).
"""

from datetime import timedelta

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from benchmarks.models import Generation


class VoteQuerySet(models.QuerySet):
    def counted(self):
        """Return votes that count: not voided (by staff, screening, the watch gate or a reveal)."""
        return self.filter(voided=False)

    def on_public_clips(self):
        """Return votes whose two clips are both public (the only votes ratings and export use)."""
        public = Generation.objects.public().values("pk")
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
    def of_models(self, model_ids):
        """Return the ratings of the given models (ids)."""
        return self.filter(video_model__in=model_ids)

    def with_model(self):
        """Return ratings with their model and its provider loaded."""
        return self.select_related("video_model__provider")


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


class TagTallyQuerySet(models.QuerySet):
    def of_models(self, model_ids):
        """Return the tallies of the given models (ids), in every category."""
        return self.filter(video_model__in=model_ids)
