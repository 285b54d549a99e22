"""Blind arena: one row per vote, and rating snapshots fitted from those rows.

A vote is never a counter updated in place: concurrent votes are concurrent INSERTs, so none can be
lost. Voters are known only by salted hashes of their session key and IP address.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from arena.querysets import (
    FailureTagQuerySet,
    RatingFitQuerySet,
    RatingQuerySet,
    TagTallyQuerySet,
    VoteQuerySet,
)


class Pool(models.TextChoices):
    """Separate ratings: a clip with sound is not compared with a silent one, nor t2v with i2v."""

    T2V = "t2v", "text to video"
    T2V_AUDIO = "t2v_audio", "text to video, with audio"
    I2V = "i2v", "image to video"
    I2V_AUDIO = "i2v_audio", "image to video, with audio"


class Vote(models.Model):
    """One visitor's blind preference between two clips of the same prompt.

    The pair is stored in a canonical order (`generation_a` has the lower id) so that "one vote
    per pair per session" is a unique constraint; `a_on_left` keeps what the voter saw.
    """

    class Outcome(models.TextChoices):
        A = "a", "A better"
        B = "b", "B better"
        TIE = "tie"
        BOTH_BAD = "both_bad", "both bad"

    class Reason(models.TextChoices):
        """Why a stored vote does not count ("" while it counts)."""

        COUNTED = "", "counts"
        TOO_FAST = "too_fast", "voted before both clips were watched"
        REVEALED = "revealed", "names shown before the vote"
        SUSPICIOUS = "suspicious", "unlikely voting pattern, awaiting review"
        STAFF = "staff", "voided by staff"

    generation_a = models.ForeignKey(
        "benchmarks.Generation", on_delete=models.CASCADE, related_name="+"
    )
    generation_b = models.ForeignKey(
        "benchmarks.Generation", on_delete=models.CASCADE, related_name="+"
    )
    # Copied from the generations when the vote is cast, so a fit reads one table.
    model_a = models.ForeignKey("benchmarks.VideoModel", on_delete=models.CASCADE, related_name="+")
    model_b = models.ForeignKey("benchmarks.VideoModel", on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(
        "benchmarks.Prompt", on_delete=models.CASCADE, related_name="arena_votes"
    )
    pool = models.CharField(max_length=10, choices=Pool)
    category = models.CharField(max_length=20)
    outcome = models.CharField(max_length=8, choices=Outcome)
    a_on_left = models.BooleanField()
    #: The pair token's nonce: unique, so a token records at most one vote.
    nonce = models.CharField(max_length=32, unique=True)
    #: HMAC of the session key and of the client IP with ARENA_SALT; never the values themselves.
    voter_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64)
    #: True when the vote does not count toward ratings; `reason` says why.
    voided = models.BooleanField(default=False)
    reason = models.CharField(max_length=12, choices=Reason, blank=True, default="")
    #: Share of each clip's length the player reports as played before the vote (None: no report).
    watched_left = models.FloatField(null=True, blank=True)
    watched_right = models.FloatField(null=True, blank=True)
    #: Seconds between handing out the pair and the vote, measured by the server.
    seconds_to_vote = models.FloatField(null=True, blank=True)
    #: How unlikely its voter's (or address's) pattern was at screening, in standard deviations.
    suspicion = models.FloatField(null=True, blank=True)
    #: Staff restored it after review: screening never flags it again.
    reviewed = models.BooleanField(default=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["voter_hash", "generation_a", "generation_b"], name="vote_once_per_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(generation_a__lt=models.F("generation_b")),
                name="vote_pair_canonical",
            ),
        ]
        indexes = [
            # Rate limit: a voter's recent votes.
            models.Index(fields=["voter_hash", "created_at"], name="vote_voter_recent"),
            # Rate limit: an IP's recent votes.
            models.Index(fields=["ip_hash", "created_at"], name="vote_ip_recent"),
            # Rating fit and pair sampling: counted votes of a pool.
            models.Index(fields=["pool", "voided"], name="vote_pool_counted"),
            # Disagreements: votes on one prompt.
            models.Index(fields=["prompt", "voided"], name="vote_prompt_counted"),
            # The admin's review queue: votes screening flagged.
            models.Index(fields=["reason", "created_at"], name="vote_review_queue"),
        ]

    def __str__(self):
        return f"Vote #{self.pk}: {self.model_a_id} vs {self.model_b_id} → {self.outcome}"

    @property
    def left_model_id(self) -> int:
        return self.model_a_id if self.a_on_left else self.model_b_id

    @property
    def right_model_id(self) -> int:
        return self.model_b_id if self.a_on_left else self.model_a_id

    @property
    def choice(self) -> str:
        """Return the outcome as the voter saw it: left, right, tie or both_bad."""
        if self.outcome in (self.Outcome.TIE, self.Outcome.BOTH_BAD):
            return self.outcome
        return "left" if (self.outcome == self.Outcome.A) == self.a_on_left else "right"


class FlaggedVote(Vote):
    """The staff review queue: votes screening held back as suspicious (see VoteQuerySet)."""

    class Meta:
        proxy = True
        verbose_name = "vote awaiting review"
        verbose_name_plural = "votes awaiting review"


class FailureTag(models.Model):
    """What a voter said went wrong in one clip of a pair, after voting."""

    class Kind(models.TextChoices):
        """Known failure modes of video models."""

        IGNORES_PROMPT = "ignores_prompt", "ignores the prompt"
        MORPHING = "morphing", "morphing or artifacts"
        PHYSICS = "physics", "broken physics"
        TEXT = "text", "garbled text"
        IDENTITY = "identity", "identity drift"
        FLICKER = "flicker"
        AUDIO = "audio", "bad or missing audio"

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="tags")
    generation = models.ForeignKey(
        "benchmarks.Generation", on_delete=models.CASCADE, related_name="+"
    )
    #: Copied from the generation, so the rates read one join.
    video_model = models.ForeignKey(
        "benchmarks.VideoModel", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FailureTagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "generation", "kind"], name="failuretag_once_per_clip"
            ),
        ]
        indexes = [
            # Tag rates: tags of one model.
            models.Index(fields=["video_model", "kind"], name="failuretag_model"),
        ]

    def __str__(self):
        return f"{self.kind} on {self.generation_id} (vote {self.vote_id})"


class TagTally(models.Model):
    """One model's failure tags in one prompt category ("" for all), counted with the ratings.

    The refit (services.ratings_refresh) replaces every tally from the votes it fitted, so a tag
    rate and the ratings beside it describe the same votes; a page reads a few rows, not the
    thousands of votes a model has been shown in.
    """

    video_model = models.ForeignKey(
        "benchmarks.VideoModel", on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=20, blank=True)
    #: Counted votes that showed a clip of the model (the rates' denominator).
    shown = models.PositiveIntegerField()
    #: {FailureTag.Kind: tags of that kind on the model's clips in those votes}.
    tagged = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    objects = TagTallyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["video_model", "category"], name="tagtally_one_per_model_category"
            ),
        ]

    def __str__(self):
        return f"{self.video_model_id} · {self.category or 'all'}: {self.shown} shown"


class RatingFit(models.Model):
    """One Bradley–Terry fit of one pool (and one prompt category, or all of them)."""

    pool = models.CharField(max_length=10, choices=Pool)
    #: A prompt category, or "" for all categories together.
    category = models.CharField(max_length=20, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    vote_count = models.PositiveIntegerField()
    bootstrap_rounds = models.PositiveIntegerField()
    #: Where the next votes narrow the widest intervals most (arena/sampling.py's plan, made with
    #: the fit of a whole pool): [[model x id, model y id, share of the next votes], ...].
    pair_plan = models.JSONField(default=list, blank=True)

    objects = RatingFitQuerySet.as_manager()

    class Meta:
        ordering = ["-computed_at", "-pk"]
        indexes = [
            # current_ratings: the latest fit of a pool and category.
            models.Index(fields=["pool", "category", "-computed_at"], name="ratingfit_latest"),
        ]

    def __str__(self):
        when = f"{self.computed_at:%Y-%m-%d %H:%M}"
        return f"{self.get_pool_display()} {self.category or 'all'} @ {when}"


class Rating(models.Model):
    """One model's rating in one fit: Elo-scaled strength, 95 % interval and rank spread."""

    fit = models.ForeignKey(RatingFit, on_delete=models.CASCADE, related_name="ratings")
    video_model = models.ForeignKey(
        "benchmarks.VideoModel", on_delete=models.CASCADE, related_name="arena_ratings"
    )
    rating = models.FloatField()
    lower = models.FloatField()
    upper = models.FloatField()
    votes = models.PositiveIntegerField()
    wins = models.FloatField(help_text="Ties count half.")
    rank = models.PositiveSmallIntegerField()
    #: The best and worst ranks the interval allows.
    rank_best = models.PositiveSmallIntegerField()
    rank_worst = models.PositiveSmallIntegerField()
    provisional = models.BooleanField()

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["fit", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["fit", "video_model"], name="rating_one_per_fit"),
        ]

    def __str__(self):
        return f"{self.video_model_id}: {self.rating:.0f} [{self.lower:.0f}, {self.upper:.0f}]"

    @property
    def plus(self) -> float:
        return self.upper - self.rating

    @property
    def minus(self) -> float:
        return self.rating - self.lower

    @property
    def width(self) -> float:
        return self.upper - self.lower

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.votes if self.votes else None

    @property
    def rank_spread(self) -> str:
        """Return the ranks the interval allows, "2–4" (or "3" when it allows one)."""
        if self.rank_best == self.rank_worst:
            return str(self.rank_best)
        return f"{self.rank_best}–{self.rank_worst}"
