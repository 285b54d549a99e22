"""The provider plugin interface.

A plugin is one class per video model. Provider families (Runway, Luma, ...) share a base class in
`benchmarks/providers/<slug>/` that speaks the HTTP protocol; each model subclass only declares
what differs (model id, capabilities, default price). The registry (`registry.py`) maps a plugin
key to the class's dotted path, and is where a plugin's `key` comes from; nothing else in the code
names a provider. What a new provider family touches, file by file: docs/providers.md.

One generation, as the pipeline calls the hooks:

    plugin.missing_configuration()    # before a run is accepted: "" or why it can't call its API
    plugin.validate(request)          # before anything is paid for; raise PermanentProviderError
    plugin.estimate_cost(request, amount=..., unit=...)  # the request as it will be sent
    result = plugin.submit(request)   # exactly once per generation; job id persisted at once
    plugin.find_job(reference)        # only after OutcomeUnknownError, if the plugin has one
    plugin.poll(job_id)               # re-scheduled with a countdown until terminal
    plugin.download(poll, dest)       # stream the output into an open binary file
    plugin.cancel(job_id)             # staff canceled the generation; best effort

and, when the provider calls back (`benchmarks/webhooks.py`, `/webhooks/<plugin key>/`):

    plugin.webhook_challenge(body)    # a handshake to answer instead of an event, or None
    plugin.parse_webhook(headers, body)  # verify, then name the job (and the delivery)

Hooks never sleep, never retry on their own (Celery's retry options do that) and never touch the
database: they take plain values and return plain values, so a test can drive them against a fake
server without Django models. A plugin that uses a vendor SDK must turn the SDK's own retries off
(`max_retries=0`): an SDK that resends a create on a timeout or a 5xx bills the job twice.

The contract for money (issue 13, "never pay twice"):

- `submit` raises `PermanentProviderError` only when the answer proves the provider refused the
  job (a 4xx, or a 2xx error envelope that says so); `TransientProviderError` only when it proves
  nothing was created (connection refused, 429, a 500 from the application); and
  `OutcomeUnknownError` whenever the job may exist: a timeout or dropped connection after the
  request went out, a 2xx whose body can't be read or carries no job id, and the gateway answers
  in `unknown_outcome_statuses` (502/503/504 by default). The pipeline never resubmits after
  `OutcomeUnknownError`: it calls `find_job(reference)` when `supports_reference_lookup`, else it
  puts the generation in `needs_review`, counted as possibly billed.
- `poll` raises `JobUnknownError` when the provider reports a status the plugin does not know; a
  404 on poll is treated the same way by the pipeline. Both are retried over minutes
  (`POLL_LOST_RETRIES` x `POLL_LOST_DELAY_SECONDS`), then the generation goes to `needs_review`
  (the job may still run and bill), never failed-and-free.
- Every `ProviderError` may carry `retry_after` (seconds, from `Retry-After` or
  `retry-after-ms`); the task layer waits that long (capped by `PROVIDER_RETRY_AFTER_MAX_SECONDS`)
  and shows "waiting for the provider until HH:MM" in the admin.
- Each plugin declares `billing_policy` (a `BillingPolicy`, from the provider's documentation,
  with its source in `docs/providers.md`): what an accepted job that then fails costs when the
  provider reports no billed amount. When answers carry the billed amount or billable units, the
  plugin returns it as `PollResult.actual_cost` (a Decimal in USD; 0 for a refunded job) on a
  terminal status, and the clip shows "billed" instead of "est."; a create answer's own
  estimate goes in `SubmitResult.provider_estimate`.
"""

from __future__ import annotations

import enum
import hashlib
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO, ClassVar

import httpx
from django.conf import settings
from django.db import models
from django.utils.functional import classproperty

#: Timeouts for every provider call: connect fast, give slow APIs a while to answer.
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Downloads stream large files: generous read timeout per chunk, not for the whole file.
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DOWNLOAD_CHUNK = 1024 * 1024


class ProviderError(Exception):
    """A provider call failed. `permanent` says whether retrying can help."""

    permanent: ClassVar[bool] = False

    def __init__(self, message: str, *, retry_after: float | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.code = code


class TransientProviderError(ProviderError):
    """Timeouts, 5xx, 429, throttling, a truncated download: worth retrying with backoff."""


class OutcomeUnknownError(TransientProviderError):
    """The request went out and the answer doesn't prove it was refused: the job may exist.

    A timeout or dropped connection after sending, a 2xx whose body can't be read (or has no job
    id), a 502/503/504 from a gateway. For a submit, the job may be running and billed: never
    send it again blindly. For any other call it is an ordinary transient error.
    """


class JobUnknownError(TransientProviderError):
    """The provider doesn't know the job (404) or reports a status the plugin doesn't know.

    The job may still run and bill: the pipeline polls again a few times over minutes, then
    puts the generation in front of staff (`needs_review`).
    """


class PermanentProviderError(ProviderError):
    """Bad request, refused content, bad key, no credit, unsupported option: fail at once."""

    permanent = True


class WebhookRejected(Exception):
    """A webhook failed verification (bad/missing/replayed signature, bad body): answer 4xx."""


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # accepted, waiting in the provider's queue
    RUNNING = "running"  # the provider is generating
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)


class BillingPolicy(enum.StrEnum):
    """What a job the provider accepted and then failed costs, per the provider's documentation.

    Used when the provider reports no billed amount. A submit whose outcome is unknown, and a job
    still running or lost, always count as possibly billed, whatever the policy.
    """

    #: Failed (and cancelled) jobs are not charged, or are refunded: they count $0.
    FAILURES_FREE = "failures_free"
    #: Once accepted, a job is charged whether it succeeds or fails: it counts its estimate.
    CHARGED_ON_ACCEPT = "charged_on_accept"
    #: The provider documents nothing: a failed job counts its estimate (possibly billed).
    UNDOCUMENTED = "undocumented"

    @property
    def failures_billed(self) -> bool:
        return self != BillingPolicy.FAILURES_FREE


class Lifecycle(models.TextChoices):
    """Where a model is in its provider's life: the plugin declares it, the catalog row keeps it
    (`VideoModel.Lifecycle` is this class). A retired model stays for its history; new runs
    naming it are refused."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


#: The provider-neutral camera vocabulary a prompt, suite or run can ask for.
CAMERA_MOVES = {
    "static": "static camera",
    "pan_left": "pan left",
    "pan_right": "pan right",
    "tilt_up": "tilt up",
    "tilt_down": "tilt down",
    "dolly_in": "dolly in",
    "dolly_out": "dolly out",
    "orbit": "orbit",
    "zoom_in": "zoom in",
    "zoom_out": "zoom out",
}


@dataclass(frozen=True)
class Capabilities:
    """What a model can do. Copied onto the VideoModel row by `catalog_sync`."""

    text_to_video: bool = True
    image_to_video: bool = False
    end_frame: bool = False
    audio: bool = False
    #: The model always makes sound and has no switch: "audio off" can't be honoured.
    audio_always: bool = False
    camera_control: bool = False
    #: The camera moves of CAMERA_MOVES the plugin can map to its provider's own fields.
    camera_moves: tuple[str, ...] = ()
    #: The provider takes its own camera instruction verbatim (`GenerationRequest.camera_text`).
    camera_text: bool = False
    seed: bool = False
    negative_prompt: bool = False
    durations: tuple[int, ...] = (5,)
    resolutions: tuple[str, ...] = ("720p",)
    aspect_ratios: tuple[str, ...] = ("16:9",)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Capabilities:
        """Return capabilities from a catalog row's JSON, as `as_dict` writes it."""
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        for name, value in known.items():
            if isinstance(value, list):
                known[name] = tuple(value)
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text_to_video": self.text_to_video,
            "image_to_video": self.image_to_video,
            "end_frame": self.end_frame,
            "audio": self.audio,
            "audio_always": self.audio_always,
            "camera_control": self.camera_control,
            "camera_moves": list(self.camera_moves),
            "camera_text": self.camera_text,
            "seed": self.seed,
            "negative_prompt": self.negative_prompt,
            "durations": list(self.durations),
            "resolutions": list(self.resolutions),
            "aspect_ratios": list(self.aspect_ratios),
        }


@dataclass(frozen=True)
class DefaultPrice:
    """The list price a plugin ships with; the Price table keeps the history staff edit."""

    amount: Decimal
    unit: str = "second"  # "second" or "clip"
    resolution: str = ""  # empty: any resolution
    source: str = ""  # where the figure comes from (PROVIDERS.md marker)


@dataclass(frozen=True)
class GenerationRequest:
    """One clip to make, in provider-neutral words."""

    prompt: str
    negative_prompt: str = ""
    duration: int = 5
    aspect_ratio: str = "16:9"
    resolution: str = "720p"
    seed: int | None = None
    image_url: str = ""  # first frame (image-to-video); https URL or data: URI
    end_image_url: str = ""  # last frame (keyframe conditioning)
    #: True: sound on; False: sound off; None: the model's own default (nothing is sent).
    audio: bool | None = None
    camera: str = ""  # a key of CAMERA_MOVES, or empty
    camera_text: str = ""  # the provider's own camera instruction, sent verbatim where taken
    #: How many clips of this request the run makes (one generation, one submit each, each
    #: with its own seed); a run's estimate is the per-clip estimate times this.
    samples: int = 1
    callback_url: str = ""  # our webhook endpoint for this generation, if any
    reference: str = ""  # our own id for the job (generation uuid), for providers that take one

    @property
    def mode(self) -> str:
        return "image_to_video" if self.image_url else "text_to_video"


@dataclass(frozen=True)
class SubmitResult:
    job_id: str
    request_sent: dict[str, Any]  # the body as sent, secrets removed: kept as evidence
    model_version: str = ""  # as the provider reports it, when it does
    #: The provider's own figure for the job (USD) when its create answer carries one (Runway's
    #: `estimatedCost`): it replaces our list-price estimate. Not a billed amount.
    provider_estimate: Decimal | None = None


@dataclass(frozen=True)
class PollResult:
    status: JobStatus
    progress: float | None = None  # 0..1 when the provider reports it
    output_url: str = ""
    error: str = ""  # the provider's reason, in words
    error_permanent: bool = True  # for FAILED: would a new attempt help?
    actual_cost: Decimal | None = None  # billed cost, when the provider reports it
    model_version: str = ""
    poll_after: float | None = None  # seconds the provider asks us to wait
    #: Self-hosted servers: GPU-seconds the job used and where the figure comes from
    #: ("reported" by the server, or "wall" time at the server times the endpoint's GPU count).
    gpu_seconds: float | None = None
    gpu_time_source: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """One callback, as `parse_webhook` read it."""

    job_id: str
    trusted: bool  # signed and verified: the payload may be used; else re-read by poll
    #: What a signed payload says about the job: logged as evidence, never acted upon.
    poll: PollResult | None = None
    #: The provider's id for this delivery, the same on every resend of it (Standard Webhooks'
    #: `webhook-id`, fal's request id), from the signed headers. A trusted event with one is
    #: recorded once (`WebhookDelivery`): a second delivery of it is refused as a replay.
    #: Empty when the provider sends none or the event is not signed.
    delivery_id: str = ""


class BaseProvider:
    """One video model at one provider. Subclass per provider family, then per model.

    A hook is called by the pipeline in a Celery task, with plain values; it returns plain values.
    It must never sleep, never retry by itself and never touch the database. The class
    attributes below are what a model declares; the hooks below them say when they are called,
    what they return and what they must not do.
    """

    #: Provider family slug ("runway", "luma", ...) and its display name.
    provider_slug: ClassVar[str] = ""
    provider_name: ClassVar[str] = ""
    #: The provider's own model id ("gen4.5", "ray-2") and a name for people.
    model_id: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()
    default_price: ClassVar[DefaultPrice | None] = None
    lifecycle: ClassVar[Lifecycle] = Lifecycle.ACTIVE
    retired_on: ClassVar[str] = ""  # ISO date, for retired/deprecated models
    #: Setting names; read at call time, never at import time.
    api_key_setting: ClassVar[str] = ""
    base_url_setting: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    #: Seconds between polls when the provider does not say.
    poll_interval: ClassVar[float] = 10.0
    #: True for the built-in procedural renderer: its clips are labeled synthetic.
    synthetic: ClassVar[bool] = False
    #: False for a plugin that is no model by itself (`manual`): `catalog_sync` adds no model for
    #: it; staff add each model whose clips they import, under its real name.
    catalogued: ClassVar[bool] = True
    #: True for plugins of servers staff run themselves (benchmarks/providers/selfhosted.py):
    #: one plugin key serves many catalog rows, each configured from its SelfHostedEndpoint.
    self_hosted: ClassVar[bool] = False
    #: What a job the provider accepted and then failed costs (its documentation, with the source
    #: in docs/providers.md). UNDOCUMENTED counts failures as billed.
    billing_policy: ClassVar[BillingPolicy] = BillingPolicy.UNDOCUMENTED
    #: HTTP statuses that, on a create, leave the outcome unknown (a gateway answered, the
    #: provider may have created the job): `OutcomeUnknownError`, never a blind resubmit.
    unknown_outcome_statuses: ClassVar[frozenset[int]] = frozenset({502, 503, 504})

    @classproperty
    def key(cls) -> str:
        """Return the key the registry lists this class under ("" for a family base class).

        It is VideoModel.plugin_key and the `<plugin key>` of the webhook URL; it is never
        written on the class, so the registry and the plugin can't disagree.
        """
        from benchmarks.providers.registry import registered_key

        return registered_key(cls)

    @classproperty
    def supports_reference_lookup(cls) -> bool:
        """Return whether the plugin implements `find_job` (there is no separate flag)."""
        return cls.find_job is not BaseProvider.find_job

    # -- configuration -------------------------------------------------------------------------

    def api_key(self) -> str:
        return getattr(settings, self.api_key_setting, "") if self.api_key_setting else ""

    def base_url(self) -> str:
        configured = getattr(settings, self.base_url_setting, "") if self.base_url_setting else ""
        return (configured or self.default_base_url).rstrip("/")

    def is_configured(self) -> bool:
        """Return whether the plugin has what it needs to call its API (its key)."""
        return bool(self.api_key()) if self.api_key_setting else True

    def missing_configuration(self) -> str:
        """Return why the plugin can't call its API now ("" if it can), naming the setting."""
        if self.is_configured():
            return ""
        name = self.provider_name or self.display_name or self.key
        return f"{name} has no API key (set {self.api_key_setting})"

    # -- hooks ---------------------------------------------------------------------------------

    def validate(self, request: GenerationRequest) -> None:
        """Raise PermanentProviderError with a clear message if the model can't do `request`.

        Called before a run is accepted and again before each submit, so nothing is paid for a
        request the model can't serve. It must not call the provider. The default checks the
        lifecycle, the capabilities and `refusal`; override `refusal` to add a rule.
        """
        caps = self.capabilities
        name = self.display_name or self.key
        if self.lifecycle == Lifecycle.RETIRED:
            raise PermanentProviderError(
                f"{name} was retired on {self.retired_on or 'an earlier date'}."
            )
        if request.image_url and not caps.image_to_video:
            raise PermanentProviderError(
                f"{name} does not take a reference image (image-to-video)."
            )
        if not request.image_url and not caps.text_to_video:
            raise PermanentProviderError(
                f"{name} needs a reference image; it has no text-to-video."
            )
        refusal = self.refusal(request)
        if refusal:
            raise PermanentProviderError(refusal)
        if request.duration not in caps.durations:
            allowed = ", ".join(f"{d} s" for d in caps.durations)
            raise PermanentProviderError(
                f"{name} makes clips of {allowed}, not {request.duration} s."
            )
        if request.aspect_ratio not in caps.aspect_ratios:
            allowed = ", ".join(caps.aspect_ratios)
            raise PermanentProviderError(
                f"{name} supports aspect ratios {allowed}, not {request.aspect_ratio}."
            )
        if request.resolution not in caps.resolutions:
            allowed = ", ".join(caps.resolutions)
            raise PermanentProviderError(
                f"{name} supports resolutions {allowed}, not {request.resolution}."
            )

    def refusal(self, request: GenerationRequest) -> str:
        """Return why the model can't honour the request's generation settings, or ""."""
        caps = self.capabilities
        name = self.display_name or self.key
        if request.end_image_url and not caps.end_frame:
            return f"{name} does not take the setting end frame (no last-frame input)."
        if request.audio and not caps.audio:
            return f"{name} does not take the setting audio on: it makes silent clips."
        if request.audio is False and caps.audio_always:
            return f"{name} does not take the setting audio off: it always makes sound."
        if request.camera and request.camera not in caps.camera_moves:
            offered = ", ".join(CAMERA_MOVES[m] for m in caps.camera_moves)
            move = CAMERA_MOVES.get(request.camera, request.camera)
            return f"{name} does not take the camera move {move!r}" + (
                f"; it offers {offered}." if offered else ": it has no camera control."
            )
        if request.camera_text and not caps.camera_text:
            return f"{name} does not take the setting camera text (a provider camera preset)."
        if request.seed is not None and not caps.seed:
            return f"{name} does not take the setting seed: its provider picks one."
        if request.negative_prompt and not caps.negative_prompt:
            return f"{name} does not take the setting negative prompt."
        return ""

    def estimate_cost(self, request: GenerationRequest, *, amount: Decimal, unit: str) -> Decimal:
        """Return the expected cost of `request` at a price of `amount` per `unit`.

        Called for the budget check before a run starts, with the request as it will be sent.
        It must not call the provider. The default charges per second or per clip.
        """
        if unit == "clip":
            return amount
        return amount * Decimal(request.duration)

    def submit(self, request: GenerationRequest) -> SubmitResult:
        """Start the job at the provider and return its job id and the body sent.

        This call costs money: it must never be made twice for one generation. The pipeline
        calls it once, under a lock, and stores the job id before anything else. It must not
        retry by itself (turn a vendor SDK's retries off). Raise PermanentProviderError only
        when the answer proves the provider refused the job, TransientProviderError only when it
        proves nothing was created, and OutcomeUnknownError whenever the job may exist: the
        pipeline then calls `find_job` or asks staff, and never submits blindly again. Put
        `request.reference` in the request when the provider keeps a client id.
        """
        raise NotImplementedError

    def poll(self, job_id: str) -> PollResult:
        """Return the job's current status.

        Called with a countdown until the status is terminal, again before a download (for a
        fresh output URL) and when a webhook names the job. It must be cheap, idempotent and
        safe to call at any time. Raise JobUnknownError for a status the plugin doesn't know:
        never report FAILED for it, the job may still run and bill. On a terminal status, set
        `actual_cost` when the provider reports what it billed.
        """
        raise NotImplementedError

    def download(self, poll: PollResult, dest: BinaryIO) -> int:
        """Stream the finished clip into `dest`; return the byte count.

        Called once the job succeeded, with an open binary file. It must stream: a clip may be
        hundreds of MB and never fits in memory. The default streams `poll.output_url` in chunks
        within MEDIA_MAX_BYTES and DOWNLOAD_DEADLINE_SECONDS. Raise TransientProviderError on a
        truncated body (Content-Length mismatch), PermanentProviderError on an expired URL.
        """
        return stream_download(poll.output_url, dest, headers=self.download_headers())

    def download_headers(self) -> dict[str, str]:
        """Return the headers the output URL needs (Sora and Veo want the API key; most none)."""
        return {}

    def cancel(self, job_id: str) -> None:
        """Ask the provider to stop the job, best effort; return nothing.

        Called by the `generation_cancel_job` task (io queue) after staff cancel a generation or
        a run in the admin ("Cancel at the provider"); the generation is already failed as
        canceled by then, and its job id stays in the event log. It must not raise for a job
        that already ended or is gone (`HttpProvider.best_effort` logs those); a transient error
        may raise. The default does nothing: for a provider with no cancel in its API. The
        contract suite checks the calls each plugin sends (tests/benchmarks/providers).
        """

    def find_job(self, reference: str) -> str | None:
        """Return the provider's job id for our `reference`, or None if it has no such job.

        Called only after a submit ended in OutcomeUnknownError (a crash or a lost answer
        between the provider accepting the job and us saving its id), to recover the job
        instead of paying for it twice. Implement it only when the provider can look a job up
        by our own id: implementing it is what makes `supports_reference_lookup` true. Without
        it, such a generation goes to staff (needs review, counted as possibly billed). It must
        not submit anything.
        """
        return None

    def webhook_challenge(self, body: bytes) -> dict[str, Any] | None:
        """Return the answer to a callback handshake, or None when `body` is an event.

        Called by the webhook view on every callback, before `parse_webhook`. A provider that
        sends a handshake to a new callback URL (MiniMax's `{"challenge": ...}`, to be echoed
        within 3 s) returns the JSON to answer with; the view sends it and stops. It must be
        fast and must not call the provider. The default (no handshake) returns None.
        """
        return None

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify a callback and return the job it names.

        Called by the webhook view with lower-cased headers and the raw body. Raise
        WebhookRejected when it can't be trusted at all (bad or missing signature, too old), and
        a ProviderError for a signed body it can't read. Return `trusted=True` only after
        verifying a signature, and then fill `delivery_id` from the signed headers so a replay
        is refused. An unsigned callback is only a hint: the view polls the job either way, so
        no callback moves a generation by itself. The default refuses all: no webhooks.
        """
        raise WebhookRejected(f"{self.display_name or self.key} sends no webhooks.")


def stream_download(url: str, dest: BinaryIO, *, headers: dict[str, str] | None = None) -> int:
    """Stream `url` into `dest` in chunks; memory stays flat whatever the file size.

    Stops at MEDIA_MAX_BYTES (checked against Content-Length first, then while reading, so a
    server that lies or sends no length can't fill the disk) and at DOWNLOAD_DEADLINE_SECONDS in
    total (a per-read timeout alone lets a trickling server hold a worker for hours).
    """
    if not url:
        raise PermanentProviderError("The provider reported success but gave no output URL.")
    limit = settings.MEDIA_MAX_BYTES
    deadline = time.monotonic() + settings.DOWNLOAD_DEADLINE_SECONDS
    try:
        with httpx.stream(
            "GET", url, headers=headers or {}, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True
        ) as response:
            if response.status_code in (401, 403, 404, 410):
                raise PermanentProviderError(
                    f"The output URL answered {response.status_code}: it has expired or is gone."
                )
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientProviderError(
                    f"The output URL answered {response.status_code}.",
                    retry_after=_retry_after_seconds(response.headers),
                )
            if response.status_code >= 400:
                raise PermanentProviderError(f"The output URL answered {response.status_code}.")
            expected = response.headers.get("content-length")
            if expected is not None and expected.isdigit() and int(expected) > limit:
                raise PermanentProviderError(_too_large(int(expected), limit, announced=True))
            written = 0
            for chunk in response.iter_raw():  # as it arrives: the checks run on every read
                if written + len(chunk) > limit:
                    raise PermanentProviderError(_too_large(written + len(chunk), limit))
                dest.write(chunk)
                written += len(chunk)
                if time.monotonic() > deadline:
                    raise TransientProviderError(
                        f"Download stopped after {settings.DOWNLOAD_DEADLINE_SECONDS} s "
                        f"(DOWNLOAD_DEADLINE_SECONDS) with {_mb(written)} received."
                    )
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise TransientProviderError(f"Download failed: {exc.__class__.__name__}: {exc}") from exc
    if expected is not None and int(expected) != written:
        raise TransientProviderError(f"Download truncated: got {written} of {expected} bytes.")
    if written == 0:
        raise PermanentProviderError("The provider's output file is empty.")
    return written


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


def _too_large(size: int, limit: int, *, announced: bool = False) -> str:
    seen = f"announces {_mb(size)}" if announced else f"passed {_mb(size)}"
    return (
        f"The output file {seen}, over the {_mb(limit)} limit (MEDIA_MAX_BYTES): "
        "not downloaded further."
    )


def _retry_after_seconds(headers: httpx.Headers) -> float | None:
    from benchmarks.providers.client import retry_after

    return retry_after(headers)


def stable_seed(*parts: str) -> int:
    """Return a 31-bit seed derived from `parts` (for deterministic demo renders)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
