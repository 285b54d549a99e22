"""Benchmark runs and their generations: one model's clip for one run, with its state machine."""

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone

from benchmarks.models.catalog import VideoModel
from benchmarks.models.outputs import VideoAsset
from benchmarks.providers.base import CAMERA_MOVES

if TYPE_CHECKING:
    from comparisons.filters import ClipFilter


class BenchmarkRunQuerySet(models.QuerySet):
    def public(self):
        """Return runs with a public generation (GenerationQuerySet.public is the rule)."""
        return self.filter(pk__in=Generation.objects.public().values("run_id"))

    def readable_by(self, user):
        """Return the runs `user` may read through the API: their own, or all for staff."""
        return self if user.is_staff else self.filter(requested_by=user)

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
            clip_count=models.Count(
                "generations", filter=models.Q(generations__state=Generation.State.COMPLETE)
            )
        )

    def with_generations(self):
        """Return runs with generations, models and outputs loaded in a fixed number of queries."""
        return self.select_related("prompt").prefetch_related(
            models.Prefetch(
                "generations",
                queryset=Generation.objects.select_related(
                    "video_model__provider", "quality_report"
                ).prefetch_related("assets"),
            )
        )


class BenchmarkRun(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"
        COMPLETE = "complete", "complete"  # every generation ended, at least one clip made
        FAILED = "failed"  # every generation failed

    class Trigger(models.TextChoices):
        STAFF = "staff"
        SCHEDULE = "schedule"
        API = "api"
        DEMO = "demo"
        IMPORT = "import"

    prompt = models.ForeignKey("benchmarks.Prompt", on_delete=models.PROTECT, related_name="runs")
    suite = models.ForeignKey(
        "benchmarks.PromptSuite",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    trigger = models.CharField(max_length=10, choices=Trigger, default=Trigger.STAFF)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=10, choices=State, default=State.RUNNING)
    #: The settings every clip of the run is made with.
    duration = models.PositiveSmallIntegerField(default=5)
    aspect_ratio = models.CharField(max_length=5, default="16:9")
    resolution = models.CharField(max_length=10, default="720p")
    seed = models.PositiveIntegerField(null=True, blank=True)
    #: "on", "off" or "" (each model's default); see benchmarks.models.prompts.AudioSetting.
    audio = models.CharField(max_length=3, blank=True)
    camera_motion = models.CharField(max_length=12, blank=True)
    camera_text = models.CharField(max_length=200, blank=True)
    #: The prompt's end frame when the run started (the same stored file).
    end_image = models.FileField(upload_to="prompt-images/", blank=True)
    #: Clips per model; each is its own generation with its own seed.
    samples = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BenchmarkRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["running", "complete", "failed"]),
                name="run_state_valid",
            ),
            models.CheckConstraint(condition=models.Q(samples__gte=1), name="run_samples_min"),
        ]
        indexes = [
            # "Earlier runs of the same prompt" on the comparison page.
            models.Index(fields=["prompt", "-created_at"], name="run_prompt_created"),
        ]

    def __str__(self):
        return f"Run #{self.pk} · {self.prompt}"

    def get_camera_motion_label(self) -> str:
        """Return the run's camera move in words."""
        return CAMERA_MOVES.get(self.camera_motion, self.camera_motion)

    def time_to_first_usable(self, generations=None):
        """Return the wait from the run's start to its first usable clip (None: none yet).

        Reads `generations` (default: the run's, prefetched with their quality reports).
        """
        generations = self.generations.all() if generations is None else generations
        ready = [g.completed_at for g in generations if g.is_usable and g.completed_at]
        return (min(ready) - self.created_at) if ready else None

    @property
    def wall_time(self):
        return (self.finished_at - self.created_at) if self.finished_at else None


class GenerationState(models.TextChoices):
    QUEUED = "queued"
    SUBMITTING = "submitting"  # a submit call is under way: its job id is not known yet
    SUBMITTED = "submitted"
    GENERATING = "generating"
    DOWNLOADING = "downloading"
    TRANSCODING = "transcoding"
    SCORING = "scoring"
    COMPLETE = "complete"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review", "needs review"  # staff decide: resubmit or give up


#: Above this share of repeated (or black) frames a clip is "mostly frozen" ("mostly black").
MOSTLY = 0.5


def is_usable(*, state: str, tagged_unusable: bool, frozen: float | None, black: float | None):
    """Return whether a clip is usable: it passed validation (complete), was scored, is not
    mostly frozen or black, and staff did not tag it unusable."""
    if state != GenerationState.COMPLETE or tagged_unusable or frozen is None or black is None:
        return False
    return frozen <= MOSTLY and black <= MOSTLY


def _current_attempt_spent():
    """What the current attempt may have been billed: one definition for spend, budget, export.

    The billed cost when the provider reported one; nothing for a job the provider failed when
    its billing policy says failures are free; the estimate for a job it accepted, or may have
    accepted (a submit whose outcome is unknown counts as possibly billed); nothing for a submit
    it refused or that was never sent.
    """
    from benchmarks.providers.base import BillingPolicy

    # A job id, an unknown outcome, or a state only an accepted job reaches (needs_review
    # included): the provider may have billed it.
    not_yet_or_refused = [
        GenerationState.QUEUED,
        GenerationState.SUBMITTING,
        GenerationState.FAILED,
    ]
    may_be_billed = (
        ~models.Q(provider_job_id="")
        | models.Q(outcome_unknown=True)
        | ~models.Q(state__in=not_yet_or_refused)
    )
    return models.Case(
        models.When(actual_cost__isnull=False, then=models.F("actual_cost")),
        models.When(
            provider_failed=True,
            billing_policy=BillingPolicy.FAILURES_FREE,
            then=models.Value(Decimal("0")),
        ),
        models.When(
            may_be_billed & models.Q(estimated_cost__isnull=False),
            then=models.F("estimated_cost"),
        ),
        default=models.Value(Decimal("0")),
        output_field=models.DecimalField(max_digits=10, decimal_places=4),
    )


class GenerationQuerySet(models.QuerySet):
    def cost_computed(self):
        """Return self-hosted generations whose cost was computed from GPU time."""
        return self.filter(gpu_seconds__isnull=False, actual_cost__isnull=False)

    def public(self):
        """Return generations visitors may see: those of runs with a published comparison.

        The one rule for every public number and clip: a run's clips, failures included (a
        success rate needs them), become public when staff publish its comparison; a curated
        comparison also makes public the clips it shows. Nothing else is public: not a staff
        test run, not an API run, whether or not its prompt is in the library.
        """
        shown = Generation.comparisons.through.objects.filter(
            generation=models.OuterRef("pk"), comparison__published=True
        )
        # A scalar subquery, not EXISTS: under an OR, PostgreSQL turns EXISTS into a hash of
        # every published comparison's clips (180,000 at a year's data) as soon as one row is
        # not in a published run, as a staff test run's are: a model page listing 24 clips
        # took 100 ms. A scalar subquery is an index probe for just the rows that need it.
        in_published_comparison = IsNull(models.Subquery(shown.values("pk")[:1]), False)
        return self.filter(models.Q(run__comparison__published=True) | in_published_comparison)

    def with_spent(self):
        """Annotate `spent`: what the generation's attempts cost (or may have), failed included.

        See `_current_attempt_spent` for the current attempt; plus earlier attempts' spend.
        Also annotate `spent_known`: False when the current attempt cost something we can't put
        a figure on (an unpriced model's accepted job, an imported clip without a cost): such a
        `spent` is a floor, and every total built on it is unknown, never a silent zero.
        """
        may_be_billed = (
            ~models.Q(provider_job_id="")
            | models.Q(outcome_unknown=True)
            | models.Q(run__trigger=BenchmarkRun.Trigger.IMPORT)
        )
        known = models.Case(
            models.When(
                models.Q(actual_cost__isnull=True, estimated_cost__isnull=True) & may_be_billed,
                then=models.Value(False),
            ),
            default=models.Value(True),
            output_field=models.BooleanField(),
        )
        return self.annotate(
            spent=_current_attempt_spent() + models.F("prior_attempts_cost"), spent_known=known
        )

    def with_committed(self):
        """Annotate `committed`: `spent`, plus the estimate of an attempt not yet answered.

        What the monthly budget counts: a queued or submitting attempt will cost its estimate.
        """
        in_flight = models.Case(
            models.When(
                state__in=[GenerationState.QUEUED, GenerationState.SUBMITTING],
                provider_job_id="",
                outcome_unknown=False,
                estimated_cost__isnull=False,
                then=models.F("estimated_cost"),
            ),
            default=models.Value(Decimal("0")),
            output_field=models.DecimalField(max_digits=10, decimal_places=4),
        )
        return self.annotate(
            committed=_current_attempt_spent() + in_flight + models.F("prior_attempts_cost")
        )

    def readable_by(self, user):
        """Return the generations `user` may read through the API: their runs', or all for staff."""
        return self if user.is_staff else self.filter(run__requested_by=user)

    def completed(self):
        """Return generations that produced a clip."""
        return self.filter(state=Generation.State.COMPLETE)

    def ended(self):
        """Return generations that completed or failed (the ones a success rate counts)."""
        return self.filter(state__in=Generation.FINAL_STATES)

    def of_model(self, model):
        """Return generations of one video model."""
        return self.filter(video_model=model)

    def of_models(self, model_ids):
        """Return generations of the video models whose ids are in `model_ids`."""
        return self.filter(video_model_id__in=model_ids)

    def of_prompt(self, prompt):
        """Return generations of runs of one prompt."""
        return self.filter(run__prompt=prompt)

    def of_run(self, run_id):
        """Return generations of one run."""
        return self.filter(run_id=run_id)

    def of_sample(self, sample: int):
        """Return the generations that are sample `sample` of their model in their run."""
        return self.filter(sample=sample)

    def matching(self, clip_filter: "ClipFilter"):
        """Return generations whose run matches the leaderboard filter."""
        return self.filter(clip_filter.q())

    def newest_first(self):
        """Return generations, newest first (by when each was queued, which a model's clip list
        reads from an index, a page at a time; ordering by the run's date made PostgreSQL join
        and sort every clip of the model to show 24)."""
        return self.order_by("-queued_at", "-pk")

    def with_samples(self):
        """Return generations with what a sample summary reads: spend, model, quality report."""
        return (
            self.with_spent()
            .select_related("video_model", "quality_report")
            .defer("request_sent", "quality_report__series", "quality_report__flicker_spikes")
            .order_by("sample", "pk")
        )

    def with_model_and_assets(self):
        """Return generations with their model and files loaded (what the API shows)."""
        return self.select_related("video_model").prefetch_related("assets")

    def with_outputs(self):
        """Return generations with model, provider, run, prompt, report and files loaded."""
        return self.select_related(
            "video_model__provider", "quality_report", "run__prompt"
        ).prefetch_related("assets")

    def with_comparisons(self):
        """Return generations with the published comparisons that show them loaded."""
        # Imported here: comparisons builds on benchmarks, not the other way round.
        from comparisons.models import Comparison

        return self.prefetch_related(
            models.Prefetch(
                "comparisons",
                queryset=Comparison.objects.published().order_by("-published_at"),
                to_attr="public_comparisons",
            )
        )

    def stats_rows(self):
        """Return the flat rows the leaderboard aggregates, in one query."""
        clip_seconds = VideoAsset.objects.filter(
            generation=models.OuterRef("pk"), tier=VideoAsset.Tier.ORIGINAL
        ).values("duration")[:1]
        return (
            self.with_spent()
            .annotate(clip_seconds=models.Subquery(clip_seconds))
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

    # The arena's reads: clips that may be shown blind, and what pair sampling needs of them.

    def arena_eligible(self):
        """Return public, completed, probed clips of models that are not retired and whose
        picture does not name the model."""
        # Imported here: the renderer's module loads OpenCV, which a web process need not.
        from benchmarks.providers.local.plugin import NAMED_RENDERERS

        playable = VideoAsset.objects.filter(
            generation=models.OuterRef("pk"),
            tier__in=(VideoAsset.Tier.STANDARD, VideoAsset.Tier.PREVIEW),
            has_audio__isnull=False,
        )
        named = models.Q()
        for version in NAMED_RENDERERS:
            named |= models.Q(model_version__endswith=f"@{version}")
        return (
            self.public()
            .filter(models.Exists(playable), state=Generation.State.COMPLETE)
            .exclude(video_model__lifecycle=VideoModel.Lifecycle.RETIRED)
            .exclude(named, video_model__synthetic=True)
        )

    def arena_pair_rows(self):
        """Return the flat rows the arena's pair sampling needs, in one query."""
        # The tier the arena plays (standard, else preview) decides the audio pool.
        played = VideoAsset.objects.filter(
            generation=models.OuterRef("pk"),
            tier__in=(VideoAsset.Tier.STANDARD, VideoAsset.Tier.PREVIEW),
        ).order_by("-tier")  # "standard" sorts after "preview"
        return (
            self.annotate(audio=models.Subquery(played.values("has_audio")[:1]))
            .values_list(
                "pk",
                "video_model_id",
                "video_model__synthetic",
                "audio",
                "run__prompt_id",
                "run__prompt__category",
                "run__prompt__reference_image",
                # The request's settings: pair_sample pairs only clips asked for alike.
                "run__duration",
                "run__resolution",
                "run__aspect_ratio",
                "run__camera_motion",
                "run__camera_text",
                "run__end_image",
                "request_sent__settings",  # an import's own settings, if it said
            )
            .order_by()
        )

    def in_pool_mode(self, pool: str):
        """Return clips of an arena pool's mode: image to video (a first frame) or text to video."""
        if pool.startswith("i2v"):
            return self.exclude(run__prompt__reference_image="")
        return self.filter(run__prompt__reference_image="")

    def model_numbers(self) -> dict[int, dict[str, float | None]]:
        """Return each model's mean cost per clip (billed, else estimated) and mean coherence."""
        rows = (
            self.values("video_model_id")
            .annotate(
                cost=models.Avg(Coalesce("actual_cost", "estimated_cost")),
                coherence=models.Avg("quality_report__mean_coherence"),
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


class Generation(models.Model):
    State = GenerationState

    class ErrorKind(models.TextChoices):
        TRANSIENT_EXHAUSTED = "transient_exhausted", "transient errors, retries exhausted"
        PERMANENT = "permanent"
        TIMEOUT = "timeout"
        INVALID_OUTPUT = "invalid_output", "invalid output"
        CANCELED = "canceled"

    #: The transitions the pipeline may make; anything else is refused.
    TRANSITIONS = {
        # An imported clip skips the provider: its original is stored, then transcoded.
        State.QUEUED: {State.SUBMITTING, State.TRANSCODING, State.FAILED},
        State.SUBMITTING: {State.SUBMITTED, State.QUEUED, State.FAILED, State.NEEDS_REVIEW},
        # Back to QUEUED: the provider failed the job in a way a new attempt may fix.
        # To NEEDS_REVIEW: polls lost the job (404, unknown status); it may still run and bill.
        State.SUBMITTED: {
            State.GENERATING,
            State.DOWNLOADING,
            State.FAILED,
            State.QUEUED,
            State.NEEDS_REVIEW,
        },
        State.GENERATING: {State.DOWNLOADING, State.FAILED, State.QUEUED, State.NEEDS_REVIEW},
        State.DOWNLOADING: {State.TRANSCODING, State.FAILED},
        State.TRANSCODING: {State.SCORING, State.FAILED},
        State.SCORING: {State.COMPLETE, State.FAILED},
        State.COMPLETE: set(),
        State.FAILED: {State.QUEUED},  # staff retry: a new attempt
        State.NEEDS_REVIEW: {State.QUEUED, State.SUBMITTED, State.FAILED},
    }
    FINAL_STATES = frozenset({State.COMPLETE, State.FAILED})
    #: The timestamp each state sets when entered.
    STAMPS = {
        State.SUBMITTING: "submitting_at",
        State.SUBMITTED: "submitted_at",
        State.GENERATING: "generating_at",
        State.DOWNLOADING: "downloading_at",
        State.TRANSCODING: "transcoding_at",
        State.SCORING: "scoring_at",
        State.COMPLETE: "completed_at",
        State.FAILED: "failed_at",
    }

    run = models.ForeignKey(BenchmarkRun, on_delete=models.CASCADE, related_name="generations")
    video_model = models.ForeignKey(
        "benchmarks.VideoModel", on_delete=models.PROTECT, related_name="generations"
    )
    #: Which of the run's samples of this model (0 .. run.samples - 1).
    sample = models.PositiveSmallIntegerField(default=0)
    #: Staff judged the clip unusable (admin action); it no longer counts as a usable sample.
    tagged_unusable = models.BooleanField(default=False)
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(max_length=16, choices=State, default=State.QUEUED)
    error_kind = models.CharField(max_length=24, choices=ErrorKind, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_job_id = models.CharField(max_length=300, blank=True)
    #: The request exactly as sent to the provider (secrets removed), and what it reported back.
    request_sent = models.JSONField(default=dict, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    progress = models.FloatField(null=True, blank=True)
    polls = models.PositiveIntegerField(default=0)
    estimated_cost = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    actual_cost = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    #: What earlier attempts of this generation cost (each attempt's evidence is in the event log).
    prior_attempts_cost = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal("0"))
    #: Self-hosted: the GPU-seconds the cost was computed from, and whether the server reported
    #: them ("reported") or they are the job's wall time at the server × the endpoint's GPUs.
    gpu_seconds = models.FloatField(null=True, blank=True)
    gpu_time_source = models.CharField(
        max_length=8,
        blank=True,
        choices=[("reported", "reported by the server"), ("wall", "wall time × GPUs")],
    )
    #: The plugin's failure-billing policy (`BillingPolicy`) when the attempt was submitted.
    billing_policy = models.CharField(max_length=24, blank=True)
    #: The submit's answer did not prove a refusal (timeout, unreadable 2xx, 502/503/504) and the
    #: job was not found by our reference: the provider may have billed it.
    outcome_unknown = models.BooleanField(default=False)
    #: The provider reported the job failed or cancelled (its billing policy then says the cost).
    provider_failed = models.BooleanField(default=False)
    #: The provider asked us to wait (Retry-After) until then; the reaper leaves it alone meanwhile.
    waiting_until = models.DateTimeField(null=True, blank=True)

    queued_at = models.DateTimeField(default=timezone.now)
    submitting_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    generating_at = models.DateTimeField(null=True, blank=True)
    downloading_at = models.DateTimeField(null=True, blank=True)
    transcoding_at = models.DateTimeField(null=True, blank=True)
    scoring_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["run", "video_model__display_name", "sample"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=GenerationState.values), name="generation_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_cost__gte=0) | models.Q(estimated_cost__isnull=True),
                name="generation_estimated_cost_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(actual_cost__gte=0) | models.Q(actual_cost__isnull=True),
                name="generation_actual_cost_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(prior_attempts_cost__gte=0),
                name="generation_prior_cost_non_negative",
            ),
            models.UniqueConstraint(
                fields=["run", "video_model", "sample"], name="generation_one_per_sample"
            ),
        ]
        indexes = [
            # The reaper: generations stuck in a state past its timeout.
            models.Index(fields=["state", "updated_at"], name="generation_state_updated"),
            # Webhooks find the generation by the provider's job id.
            models.Index(fields=["provider_job_id"], name="generation_job_id"),
            # A model page: its clips, newest first (newest_first), a page at a time.
            models.Index(
                fields=["video_model", "-queued_at", "-id"], name="generation_model_newest"
            ),
        ]

    def __str__(self):
        return f"{self.video_model} · run #{self.run_id} · {self.state}"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES

    @property
    def provider_time(self):
        """Time at the provider: from accepted to output ready."""
        if self.submitted_at and self.downloading_at:
            return self.downloading_at - self.submitted_at
        return None

    @property
    def queue_wait(self):
        return _span(self.queued_at, self.submitting_at)

    @property
    def download_time(self):
        return _span(self.downloading_at, self.transcoding_at)

    @property
    def transcode_time(self):
        return _span(self.transcoding_at, self.scoring_at)

    @property
    def scoring_time(self):
        return _span(self.scoring_at, self.completed_at)

    @property
    def submit_to_ready(self):
        """Time from our submit to the clip being ready to watch (transcoded and scored)."""
        return _span(self.submitting_at or self.submitted_at, self.completed_at)

    @property
    def clip_seconds(self) -> float | None:
        """Return the length of the clip made, from its stored files (prefetch `assets`)."""
        by_tier = {asset.tier: asset for asset in self.assets.all()}
        asset = by_tier.get("original") or by_tier.get("standard")
        return asset.duration if asset and asset.duration else None

    @property
    def realtime_factor(self) -> float | None:
        """Return seconds of video per second from submit to ready (above 1: faster than real
        time); None while either is unknown."""
        return realtime_factor(self.clip_seconds, self.submit_to_ready)

    @property
    def is_usable(self) -> bool:
        """Return whether the clip counts as usable (see `is_usable`); loads its report."""
        report = getattr(self, "quality_report", None)
        return is_usable(
            state=self.state,
            tagged_unusable=self.tagged_unusable,
            frozen=report.frozen_fraction if report else None,
            black=report.black_fraction if report else None,
        )

    @property
    def cost(self) -> Decimal | None:
        """The best figure we have: billed if reported, else the estimate."""
        return self.actual_cost if self.actual_cost is not None else self.estimated_cost

    @property
    def cost_is_billed(self) -> bool:
        """Whether `cost` is what the provider says it billed (else it is our estimate)."""
        return self.actual_cost is not None

    @property
    def waiting_for_provider(self) -> str:
        """Return "waiting for the provider until 14:05" while a Retry-After runs, else ""."""
        if self.waiting_until and self.waiting_until > timezone.now():
            local = timezone.localtime(self.waiting_until)
            return f"waiting for the provider until {local:%H:%M}"
        return ""

    def transition(
        self, to: str, *, reason: str = "", actor: str = "pipeline", details=None, **fields
    ) -> bool:
        """Move to state `to` if the current state allows it; return False if another worker did.

        The claim is a conditional UPDATE on the state we last read, so two workers can never
        both make the same transition. `fields` are written in the same UPDATE; `details` go
        to the event log entry.
        """
        source = self.state
        if to not in self.TRANSITIONS[source]:
            raise InvalidTransition(f"A generation cannot go from {source} to {to}.")
        now = timezone.now()
        values = {"state": to, "updated_at": now, "waiting_until": None, **fields}
        if to in self.STAMPS:
            values[self.STAMPS[to]] = now
        with transaction.atomic():
            claimed = Generation.objects.filter(pk=self.pk, state=source).update(**values)
            if not claimed:
                return False
            GenerationEvent.objects.create(
                generation=self,
                from_state=source,
                to_state=to,
                actor=actor,
                reason=reason[:2000],
                details=details or {},
            )
        for name, value in values.items():
            setattr(self, name, value)
        if to in self.FINAL_STATES:
            from benchmarks.signals import generation_finished

            transaction.on_commit(
                lambda: generation_finished.send(sender=Generation, generation=self)
            )
        return True

    def log(self, reason: str, *, actor: str = "pipeline", **details) -> None:
        """Append an event that is not a transition (a retry, a poll error, a refusal)."""
        GenerationEvent.objects.create(
            generation=self,
            from_state=self.state,
            to_state=self.state,
            actor=actor,
            reason=reason[:2000],
            details=details,
        )


def _span(start, end):
    return (end - start) if start and end else None


def realtime_factor(clip_seconds: float | None, wait) -> float | None:
    """Return `clip_seconds` of video over the `wait` (a timedelta) it took to get it."""
    if not clip_seconds or wait is None or wait.total_seconds() <= 0:
        return None
    return clip_seconds / wait.total_seconds()


class InvalidTransition(Exception):
    pass


class GenerationEventQuerySet(models.QuerySet):
    def resubmits(self):
        """Return the new attempts the pipeline started by itself after a provider's failure."""
        return self.filter(
            to_state=Generation.State.QUEUED,
            from_state__in=(Generation.State.SUBMITTED, Generation.State.GENERATING),
        )


class GenerationEvent(models.Model):
    """The append-only log of a generation: every transition and notable attempt."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    actor = models.CharField(max_length=100, default="pipeline")
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = GenerationEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%H:%M:%S} {self.from_state} → {self.to_state}"


class WebhookDelivery(models.Model):
    """A provider webhook we accepted, by its delivery id: a replay of the same id is refused."""

    plugin_key = models.CharField(max_length=60)
    delivery_id = models.CharField(max_length=200)
    job_id = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plugin_key", "delivery_id"], name="webhook_delivery_once"
            ),
        ]

    def __str__(self):
        return f"{self.plugin_key} {self.delivery_id}"
