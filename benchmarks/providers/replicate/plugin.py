"""Replicate's predictions API, for open models (Wan, LTX).

Submit to /v1/models/{owner}/{name}/predictions, poll /v1/predictions/{id}; outputs are deleted
after an hour, so the pipeline downloads at once. Webhooks are Standard Webhooks signed and carry
the whole prediction. Facts: PROVIDERS.md §9.
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
    OutcomeUnknownError,
    PollResult,
    SubmitResult,
    WebhookEvent,
    WebhookRejected,
)
from benchmarks.providers.client import HttpProvider, evidence
from benchmarks.providers.signatures import read_payload, verify_standard_webhook

STATUSES = {
    "starting": JobStatus.PENDING,
    "processing": JobStatus.RUNNING,
    "succeeded": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "canceled": JobStatus.CANCELED,
    "aborted": JobStatus.CANCELED,
}


class ReplicateProvider(HttpProvider):
    """An official model on Replicate; subclasses name it (`owner/name`) and shape its input."""

    provider_slug = "replicate"
    provider_name = "Replicate"
    # Replicate bills the time a model ran, failed and canceled predictions included
    # (replicate.com/docs/topics/billing).
    billing_policy = BillingPolicy.CHARGED_ON_ACCEPT
    api_key_setting = "REPLICATE_API_KEY"
    base_url_setting = "REPLICATE_BASE_URL"
    default_base_url = "https://api.replicate.com"
    poll_interval = 5.0

    def submit(self, request: GenerationRequest) -> SubmitResult:
        body: dict[str, Any] = {"input": self.input(request)}
        if request.callback_url:
            body["webhook"] = request.callback_url
            body["webhook_events_filter"] = ["completed"]
        prediction = self.call("POST", f"/v1/models/{self.model_id}/predictions", json=body) or {}
        if not prediction.get("id"):
            raise OutcomeUnknownError("Replicate accepted the prediction but returned no id.")
        return SubmitResult(
            job_id=prediction["id"],
            request_sent=evidence(body),
            model_version=prediction.get("version") or "",
        )

    def input(self, request: GenerationRequest) -> dict[str, Any]:
        """Return the model's input; subclasses add what their schema takes."""
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "duration": request.duration,
            "resolution": request.resolution,
        }
        if request.image_url:
            body["image"] = request.image_url
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def poll(self, job_id: str) -> PollResult:
        return prediction_status(self.call("GET", f"/v1/predictions/{job_id}") or {})

    def cancel(self, job_id: str) -> None:
        self.best_effort("POST", f"/v1/predictions/{job_id}/cancel")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify the Standard Webhooks signature; the body is the prediction itself."""
        secret = getattr(settings, "REPLICATE_WEBHOOK_SECRET", "")
        delivery_id = verify_standard_webhook(secret, headers, body)
        prediction = read_payload(body)
        if not prediction.get("id"):
            raise WebhookRejected("Replicate webhook without a prediction id.")
        return WebhookEvent(
            job_id=prediction["id"],
            trusted=True,
            poll=prediction_status(prediction),
            delivery_id=delivery_id,
        )


def prediction_status(prediction: dict[str, Any]) -> PollResult:
    """Return the PollResult for a Replicate prediction object."""
    status = STATUSES.get(prediction.get("status", ""))
    if status is None:
        raise JobUnknownError(f"Replicate reported an unknown status {prediction.get('status')!r}.")
    version = prediction.get("version") or ""
    if status == JobStatus.FAILED:
        reason = prediction.get("error") or "Replicate reported a failure without a reason."
        return PollResult(status=status, error=str(reason), model_version=version, raw=prediction)
    if status == JobStatus.SUCCEEDED:
        output = prediction.get("output")
        url = output[0] if isinstance(output, list) and output else output
        if not isinstance(url, str) or not url:
            return PollResult(
                status=JobStatus.FAILED,
                error="Replicate reported success without an output file.",
                model_version=version,
                raw=prediction,
            )
        return PollResult(
            status=status, progress=1.0, output_url=url, model_version=version, raw=prediction
        )
    return PollResult(status=status, model_version=version, raw=prediction)


class Wan25T2V(ReplicateProvider):
    model_id = "wan-video/wan-2.5-t2v"
    display_name = "Wan 2.5 (via Replicate)"
    capabilities = Capabilities(
        seed=True, negative_prompt=True, durations=(5, 10), resolutions=("480p", "720p", "1080p")
    )
    # Replicate's per-model prices were not captured (PROVIDERS.md §9): staff set the price.
    default_price = None


class Wan25I2V(ReplicateProvider):
    model_id = "wan-video/wan-2.5-i2v"
    display_name = "Wan 2.5 image-to-video (via Replicate)"
    capabilities = Capabilities(
        text_to_video=False,
        image_to_video=True,
        seed=True,
        negative_prompt=True,
        durations=(5, 10),
        resolutions=("480p", "720p", "1080p"),
    )
    default_price = None


class Ltx2Fast(ReplicateProvider):
    model_id = "lightricks/ltx-2-fast"
    display_name = "LTX-2 Fast (via Replicate)"
    capabilities = Capabilities(
        image_to_video=True,
        audio=True,
        durations=(6, 8, 10),
        resolutions=("1080p",),
        aspect_ratios=("16:9",),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.04"),
        resolution="1080p",
        source="reference only: LTX's own API, $0.04/s at 1080p [DOC docs.ltx.video/pricing]",
    )

    def input(self, request: GenerationRequest) -> dict[str, Any]:
        body = super().input(request)
        if request.audio is not None:
            body["generate_audio"] = request.audio
        return body
