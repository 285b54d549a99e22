"""The provider plugin interface.

A plugin is one class per video model. Provider families (Runway, Luma, ...) share a base class in
`benchmarks/providers/<slug>/` that speaks the HTTP protocol; each model subclass only declares
what differs (model id, capabilities, default price). The registry (`registry.py`) maps a plugin
key to the class's dotted path; nothing else in the code names a provider.

Lifecycle of one generation, as the pipeline calls the hooks:

    plugin.validate(request)          # before anything is paid for; raise PermanentProviderError
    plugin.estimate_cost(request, price)
    result = plugin.submit(request)   # exactly once per generation; job id persisted at once
    plugin.poll(job_id)               # re-scheduled with a countdown until terminal
    plugin.download(poll, dest)       # stream the output into an open binary file
    plugin.cancel(job_id)             # best effort

Hooks never sleep, never retry on their own (Celery's retry options do that) and never touch the
database: they take plain values and return plain values, so a test can drive them against a fake
server without Django models.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO, ClassVar

import httpx
from django.conf import settings

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


class Lifecycle(enum.StrEnum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


@dataclass(frozen=True)
class Capabilities:
    """What a model can do. Copied onto the VideoModel row by `catalog_sync`."""

    text_to_video: bool = True
    image_to_video: bool = False
    end_frame: bool = False
    audio: bool = False
    camera_control: bool = False
    seed: bool = False
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
            "camera_control": self.camera_control,
            "seed": self.seed,
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
    audio: bool = False
    camera: dict[str, Any] | None = None
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
    job_id: str
    trusted: bool  # signed and verified: the payload may be used; else re-read by poll
    poll: PollResult | None = None


class BaseProvider:
    """One video model at one provider. Subclass per provider family, then per model.

    Class attributes a model declares:
    """

    #: Stable registry key, also stored on VideoModel.plugin_key.
    key: ClassVar[str] = ""
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
    #: Whether `find_job` can recover a job by our own reference after a crash mid-submit.
    supports_reference_lookup: ClassVar[bool] = False
    #: True for plugins of servers staff run themselves (benchmarks/providers/selfhosted.py):
    #: one plugin key serves many catalog rows, each configured from its SelfHostedEndpoint.
    self_hosted: ClassVar[bool] = False

    # -- configuration -------------------------------------------------------------------------

    def api_key(self) -> str:
        return getattr(settings, self.api_key_setting, "") if self.api_key_setting else ""

    def base_url(self) -> str:
        configured = getattr(settings, self.base_url_setting, "") if self.base_url_setting else ""
        return (configured or self.default_base_url).rstrip("/")

    def is_configured(self) -> bool:
        """Return whether the plugin has what it needs to call its API (its key)."""
        return bool(self.api_key()) if self.api_key_setting else True

    # -- hooks ---------------------------------------------------------------------------------

    def validate(self, request: GenerationRequest) -> None:
        """Raise PermanentProviderError with a clear message if the model can't do `request`."""
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
        if request.end_image_url and not caps.end_frame:
            raise PermanentProviderError(f"{name} does not take an end frame.")
        if request.audio and not caps.audio:
            raise PermanentProviderError(f"{name} does not generate audio.")
        if request.camera and not caps.camera_control:
            raise PermanentProviderError(f"{name} has no camera control.")
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

    def estimate_cost(self, request: GenerationRequest, *, amount: Decimal, unit: str) -> Decimal:
        """Return the expected cost of `request` at a price of `amount` per `unit`."""
        if unit == "clip":
            return amount
        return amount * Decimal(request.duration)

    def submit(self, request: GenerationRequest) -> SubmitResult:
        """Start the job at the provider. Called once per generation; must not retry itself."""
        raise NotImplementedError

    def poll(self, job_id: str) -> PollResult:
        """Return the job's current status. Cheap, idempotent, safe to call any time."""
        raise NotImplementedError

    def download(self, poll: PollResult, dest: BinaryIO) -> int:
        """Stream the finished clip into `dest`; return the byte count.

        The default streams `poll.output_url` in chunks. Raise TransientProviderError on a
        truncated body (Content-Length mismatch) and PermanentProviderError on an expired URL.
        """
        return stream_download(poll.output_url, dest, headers=self.download_headers())

    def download_headers(self) -> dict[str, str]:
        """Headers the output URL needs (Sora and Veo want the API key; most need none)."""
        return {}

    def cancel(self, job_id: str) -> None:
        """Ask the provider to stop the job. Best effort; providers without cancel do nothing."""

    def find_job(self, reference: str) -> str | None:
        """Return the provider's job id for our `reference`, if the provider can look it up.

        Used after a crash between the provider accepting a submit and us saving its id.
        """
        return None

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify and parse a webhook. Raise WebhookRejected when it can't be trusted at all."""
        raise WebhookRejected(f"{self.display_name or self.key} sends no webhooks.")


def stream_download(url: str, dest: BinaryIO, *, headers: dict[str, str] | None = None) -> int:
    """Stream `url` into `dest` in chunks; memory stays flat whatever the file size."""
    if not url:
        raise PermanentProviderError("The provider reported success but gave no output URL.")
    try:
        with httpx.stream(
            "GET", url, headers=headers or {}, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True
        ) as response:
            if response.status_code in (401, 403, 404, 410):
                raise PermanentProviderError(
                    f"The output URL answered {response.status_code}: it has expired or is gone."
                )
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientProviderError(f"The output URL answered {response.status_code}.")
            if response.status_code >= 400:
                raise PermanentProviderError(f"The output URL answered {response.status_code}.")
            expected = response.headers.get("content-length")
            written = 0
            for chunk in response.iter_raw(DOWNLOAD_CHUNK):
                dest.write(chunk)
                written += len(chunk)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise TransientProviderError(f"Download failed: {exc.__class__.__name__}: {exc}") from exc
    if expected is not None and int(expected) != written:
        raise TransientProviderError(f"Download truncated: got {written} of {expected} bytes.")
    if written == 0:
        raise PermanentProviderError("The provider's output file is empty.")
    return written


def stable_seed(*parts: str) -> int:
    """Return a 31-bit seed derived from `parts` (for deterministic demo renders)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
