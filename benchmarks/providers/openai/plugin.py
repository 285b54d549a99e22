"""OpenAI's Videos API (Sora 2). Shut down on 2026-09-24: kept so past runs can be replayed.

Multipart submit to /videos, poll /videos/{id}, download /videos/{id}/content with the key.
Webhooks are Standard Webhooks signed. Facts: PROVIDERS.md §3.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from benchmarks.providers.base import (
    BillingPolicy,
    Capabilities,
    DefaultPrice,
    GenerationRequest,
    JobStatus,
    JobUnknownError,
    Lifecycle,
    OutcomeUnknownError,
    PollResult,
    SubmitResult,
    WebhookEvent,
    WebhookRejected,
)
from benchmarks.providers.client import HttpProvider, evidence, image_bytes
from benchmarks.providers.signatures import read_payload, verify_standard_webhook

STATUSES = {
    "queued": JobStatus.PENDING,
    "in_progress": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
}
SIZES = {"16:9": "1280x720", "9:16": "720x1280"}
#: sora-2-pro's larger sizes, offered as "1080p".
PRO_LARGE_SIZES = {"16:9": "1792x1024", "9:16": "1024x1792"}
SHUTDOWN = "2026-09-24"
WEBHOOK_EVENTS = {"video.completed", "video.failed"}


class OpenAIVideoProvider(HttpProvider):
    """OpenAI's /v1/videos; subclasses name the Sora model."""

    provider_slug = "openai"
    provider_name = "OpenAI"
    # OpenAI documents nothing about failed videos: counted as billed.
    billing_policy = BillingPolicy.UNDOCUMENTED
    api_key_setting = "OPENAI_API_KEY"
    base_url_setting = "OPENAI_BASE_URL"
    default_base_url = "https://api.openai.com/v1"
    poll_interval = 10.0
    lifecycle = Lifecycle.RETIRED
    retired_on = SHUTDOWN

    def submit(self, request: GenerationRequest) -> SubmitResult:
        fields = {
            "model": self.model_id,
            "prompt": request.prompt,
            "seconds": str(request.duration),
            "size": self.size(request),
        }
        if request.image_url.startswith("data:"):
            fields["input_reference"] = request.image_url
        elif request.image_url:
            fields["input_reference[image_url]"] = request.image_url
        answer = self.submit_call("POST", "/videos", files=multipart(fields)) or {}
        if not answer.get("id"):
            raise OutcomeUnknownError("OpenAI accepted the video but returned no id.")
        return SubmitResult(
            job_id=answer["id"],
            request_sent=evidence(fields),
            model_version=answer.get("model", ""),
        )

    def submit_call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send the create call (self-hosted servers map its errors in their own place)."""
        return self.call(method, path, **kwargs)

    def size(self, request: GenerationRequest) -> str:
        return SIZES.get(request.aspect_ratio, "1280x720")

    def poll(self, job_id: str) -> PollResult:
        response = self.send("GET", f"/videos/{job_id}")
        video = self.parse_json(response) or {}
        poll_after = _poll_after(response.headers.get("openai-poll-after-ms"))
        return self.video_status(video, poll_after=poll_after)

    def video_status(self, video: dict[str, Any], *, poll_after: float | None = None) -> PollResult:
        status = STATUSES.get(video.get("status", ""))
        if status is None:
            raise JobUnknownError(f"OpenAI reported an unknown status {video.get('status')!r}.")
        version = video.get("model", "")
        if status == JobStatus.FAILED:
            error = video.get("error") or {}
            reason = error.get("message") or "OpenAI reported a failure without a reason."
            code = error.get("code") or ""
            return PollResult(
                status=status,
                error=f"{reason} ({code})" if code else reason,
                error_permanent=code not in ("internal_error", "server_error"),
                model_version=version,
                raw=video,
            )
        if status == JobStatus.SUCCEEDED:
            url = f"{self.base_url()}/videos/{video['id']}/content"
            return PollResult(
                status=status, progress=1.0, output_url=url, model_version=version, raw=video
            )
        progress = video.get("progress")
        return PollResult(
            status=status,
            progress=progress / 100 if isinstance(progress, int | float) else None,
            model_version=version,
            poll_after=poll_after,
            raw=video,
        )

    def download_headers(self) -> dict[str, str]:
        return self.auth_headers()

    def cancel(self, job_id: str) -> None:
        """Delete the video: the API has no cancel, and a deleted job costs nothing more."""
        self.best_effort("DELETE", f"/videos/{job_id}")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify the Standard Webhooks signature, then read the video id."""
        secret = getattr(settings, "OPENAI_WEBHOOK_SECRET", "")
        delivery_id = verify_standard_webhook(secret, headers, body)
        payload = read_payload(body)
        video_id = (payload.get("data") or {}).get("id")
        if payload.get("type") not in WEBHOOK_EVENTS or not video_id:
            raise WebhookRejected(f"Not a video event: {payload.get('type')!r}.")
        return WebhookEvent(job_id=video_id, trusted=True, delivery_id=delivery_id)


def multipart(fields: dict[str, str]) -> dict[str, tuple[str | None, Any, ...]]:
    """Return httpx `files` for a multipart body (the SDK always sends one); data: URIs upload."""
    parts: dict[str, tuple[str | None, Any, ...]] = {}
    for name, value in fields.items():
        if value.startswith("data:"):
            data, mime = image_bytes(value)
            parts[name] = ("reference", data, mime)
        else:
            parts[name] = (None, value)
    return parts


def _poll_after(value: str | None) -> float | None:
    try:
        return float(value) / 1000 if value else None
    except ValueError:
        return None


class Sora2(OpenAIVideoProvider):
    model_id = "sora-2"
    display_name = "Sora 2"
    capabilities = Capabilities(
        image_to_video=True,
        audio=True,
        audio_always=True,
        durations=(4, 8, 12),
        aspect_ratios=("16:9", "9:16"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.10"),
        resolution="720p",
        source="PROVIDERS.md §3: $0.10/s at 720p [2nd: apiyi, magichour, cometapi 2026]",
    )


class Sora2Pro(OpenAIVideoProvider):
    model_id = "sora-2-pro"
    display_name = "Sora 2 Pro"
    capabilities = Capabilities(
        image_to_video=True,
        audio=True,
        audio_always=True,
        durations=(4, 8, 12),
        resolutions=("720p", "1080p"),
        aspect_ratios=("16:9", "9:16"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.30"),
        resolution="720p",
        source="PROVIDERS.md §3: $0.30/s at 720p, $0.50/s at 1792x1024 [2nd, 2025-26]",
    )

    def size(self, request: GenerationRequest) -> str:
        if request.resolution == "1080p":
            return PRO_LARGE_SIZES[request.aspect_ratio]
        return super().size(request)
