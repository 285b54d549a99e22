"""Google Veo through the Gemini API: a long-running operation per clip.

Submit to models/{model}:predictLongRunning, poll the operation by name, download the file URI
with the key. Images go inline as base64. Static webhooks are Standard Webhooks signed; they only
name the operation, so the pipeline polls it. Facts: PROVIDERS.md §4.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from django.conf import settings

from benchmarks.providers.base import (
    BillingPolicy,
    Capabilities,
    DefaultPrice,
    GenerationRequest,
    JobStatus,
    OutcomeUnknownError,
    PermanentProviderError,
    PollResult,
    SubmitResult,
    WebhookEvent,
    WebhookRejected,
)
from benchmarks.providers.client import HttpProvider, evidence, image_bytes
from benchmarks.providers.signatures import read_payload, verify_standard_webhook

#: google.rpc.Code values worth another attempt: CANCELLED, UNKNOWN, DEADLINE_EXCEEDED,
#: RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE (and their HTTP spellings).
RETRYABLE_CODES = {1, 2, 4, 8, 10, 13, 14, 429, 500, 503, 504}


class VeoProvider(HttpProvider):
    """Veo on the Gemini Developer API; subclasses name the model."""

    provider_slug = "veo"
    provider_name = "Google Veo (Gemini API)"
    # Google documents nothing about failed Veo operations: counted as billed.
    billing_policy = BillingPolicy.UNDOCUMENTED
    api_key_setting = "GEMINI_API_KEY"
    base_url_setting = "GEMINI_BASE_URL"
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    # Google's own examples poll every 10 s.
    poll_interval = 10.0

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.api_key()}

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if request.end_image_url and not request.image_url:
            raise PermanentProviderError(
                f"{self.display_name} takes a last frame only with a first."
            )

    def submit(self, request: GenerationRequest) -> SubmitResult:
        body = self.request_body(request)
        path = f"/models/{self.model_id}:predictLongRunning"
        answer = self.call("POST", path, json=body) or {}
        if not answer.get("name"):
            raise OutcomeUnknownError("Gemini accepted the request but returned no operation.")
        return SubmitResult(job_id=answer["name"], request_sent=evidence(body))

    def request_body(self, request: GenerationRequest) -> dict[str, Any]:
        instance: dict[str, Any] = {"prompt": request.prompt}
        if request.image_url:
            instance["image"] = _inline_image(request.image_url)
        if request.end_image_url:
            instance["lastFrame"] = _inline_image(request.end_image_url)
        parameters: dict[str, Any] = {
            "sampleCount": 1,
            "durationSeconds": request.duration,
            "aspectRatio": request.aspect_ratio,
            "resolution": request.resolution,
        }
        if request.negative_prompt:
            parameters["negativePrompt"] = request.negative_prompt
        return {"instances": [instance], "parameters": parameters}

    def poll(self, job_id: str) -> PollResult:
        if not job_id.startswith("models/"):
            raise PermanentProviderError(f"{job_id!r} is not a Gemini operation name.")
        return operation_status(self.call("GET", f"/{job_id}") or {})

    def download_headers(self) -> dict[str, str]:
        return self.auth_headers()

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify a static webhook (Standard Webhooks) and return the operation it names."""
        secret = getattr(settings, "GEMINI_WEBHOOK_SECRET", "")
        delivery_id = verify_standard_webhook(secret, headers, body)
        payload = read_payload(body)
        name = _operation_name(payload)
        if not name:
            raise WebhookRejected("Gemini webhook without an operation name.")
        return WebhookEvent(job_id=name, trusted=True, delivery_id=delivery_id)


def operation_status(operation: dict[str, Any]) -> PollResult:
    """Return the PollResult for a Gemini long-running operation."""
    if not operation.get("done"):
        return PollResult(status=JobStatus.RUNNING, raw=operation)
    if error := operation.get("error"):
        code = error.get("code")
        return PollResult(
            status=JobStatus.FAILED,
            error=error.get("message") or f"Gemini reported error {code}.",
            error_permanent=code not in RETRYABLE_CODES,
            raw=operation,
        )
    result = (operation.get("response") or {}).get("generateVideoResponse") or {}
    samples = result.get("generatedSamples") or []
    uri = ((samples[0] if samples else {}).get("video") or {}).get("uri", "")
    if not uri:
        reasons = "; ".join(result.get("raiMediaFilteredReasons") or []) or "no reason given"
        return PollResult(
            status=JobStatus.FAILED,
            error=f"Gemini returned no video (safety filter: {reasons}).",
            raw=operation,
        )
    return PollResult(status=JobStatus.SUCCEEDED, progress=1.0, output_url=uri, raw=operation)


def _inline_image(image_url: str) -> dict[str, str]:
    # The API wants bytes: `inlineData` is refused with 400, `bytesBase64Encoded` is accepted.
    data, mime = image_bytes(image_url)
    return {"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": mime}


def _operation_name(payload: dict[str, Any]) -> str:
    """Find the operation name; the video.generated payload shape is not documented."""
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    for candidate in (data.get("operation"), data.get("name"), payload.get("name")):
        if isinstance(candidate, str) and "/operations/" in candidate:
            return candidate
    return ""


VEO3_CAPS = Capabilities(
    image_to_video=True,
    end_frame=True,
    # Veo 3 on the Gemini API always makes sound; the switch is Vertex-only.
    audio=True,
    audio_always=True,
    negative_prompt=True,
    durations=(4, 6, 8),
    resolutions=("720p", "1080p"),
    aspect_ratios=("16:9", "9:16"),
)


class Veo31(VeoProvider):
    model_id = "veo-3.1-generate-preview"
    display_name = "Veo 3.1"
    capabilities = VEO3_CAPS
    default_price = DefaultPrice(
        amount=Decimal("0.40"), source="PROVIDERS.md §4: $0.40/s [2nd: aifreeapi 2026-03]"
    )


class Veo31Fast(VeoProvider):
    model_id = "veo-3.1-fast-generate-preview"
    display_name = "Veo 3.1 Fast"
    capabilities = VEO3_CAPS
    default_price = DefaultPrice(
        amount=Decimal("0.15"), source="PROVIDERS.md §4: $0.15/s [2nd: aifreeapi 2026-03]"
    )
