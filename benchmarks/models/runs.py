"""Benchmark runs and their generations: one model's clip for one run, with its state machine."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone


class BenchmarkRunQuerySet(models.QuerySet):
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
        ]
        indexes = [
            # "Earlier runs of the same prompt" on the comparison page.
            models.Index(fields=["prompt", "-created_at"], name="run_prompt_created"),
        ]

    def __str__(self):
        return f"Run #{self.pk} · {self.prompt}"

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


class GenerationQuerySet(models.QuerySet):
    def cost_computed(self):
        """Return self-hosted generations whose cost was computed from GPU time."""
        return self.filter(gpu_seconds__isnull=False, actual_cost__isnull=False)

    def with_spent(self):
        """Annotate `spent`: what the generation's attempts cost, failed ones included.

        The billed cost when the provider reported one; else the estimate once the provider
        accepted the job; nothing for a job it never accepted. Plus earlier attempts' spend.
        """
        zero = models.Value(Decimal("0"))
        current = models.Case(
            models.When(actual_cost__isnull=False, then=models.F("actual_cost")),
            models.When(
                ~models.Q(provider_job_id="") & models.Q(estimated_cost__isnull=False),
                then=models.F("estimated_cost"),
            ),
            default=zero,
            output_field=models.DecimalField(max_digits=10, decimal_places=4),
        )
        return self.annotate(spent=current + models.F("prior_attempts_cost"))


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
        State.SUBMITTED: {State.GENERATING, State.DOWNLOADING, State.FAILED, State.QUEUED},
        State.GENERATING: {State.DOWNLOADING, State.FAILED, State.QUEUED},
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
        ordering = ["run", "video_model__display_name"]
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
            models.UniqueConstraint(fields=["run", "video_model"], name="generation_one_per_model"),
        ]
        indexes = [
            # The reaper: generations stuck in a state past its timeout.
            models.Index(fields=["state", "updated_at"], name="generation_state_updated"),
            # Webhooks find the generation by the provider's job id.
            models.Index(fields=["provider_job_id"], name="generation_job_id"),
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
    def cost(self) -> Decimal | None:
        """The best figure we have: billed if reported, else the estimate."""
        return self.actual_cost if self.actual_cost is not None else self.estimated_cost

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
        values = {"state": to, "updated_at": now, **fields}
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
