"""Luma Dream Machine (api.lumalabs.ai/dream-machine/v1): Ray 2 and Ray Flash 2.

One endpoint for text- and image-to-video (keyframes frame0/frame1), no seed. Callbacks are
unsigned, so they only prompt a poll. Facts: PROVIDERS.md §2.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
from benchmarks.providers.client import HttpProvider, evidence
from benchmarks.providers.signatures import read_payload

STATES = {
    "queued": JobStatus.PENDING,
    "dreaming": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
}


class LumaProvider(HttpProvider):
    """Luma's generations API; subclasses name the model."""

    provider_slug = "luma"
    provider_name = "Luma"
    # Luma documents nothing about failed generations: counted as billed.
    billing_policy = BillingPolicy.UNDOCUMENTED
    api_key_setting = "LUMA_API_KEY"
    base_url_setting = "LUMA_BASE_URL"
    default_base_url = "https://api.lumalabs.ai/dream-machine/v1"
    poll_interval = 5.0

    def submit(self, request: GenerationRequest) -> SubmitResult:
        body = self.request_body(request)
        answer = self.call("POST", "/generations/video", json=body) or {}
        if not answer.get("id"):
            raise OutcomeUnknownError("Luma accepted the generation but returned no id.")
        return SubmitResult(
            job_id=answer["id"], request_sent=evidence(body), model_version=answer.get("model", "")
        )

    def request_body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_id,
            "generation_type": "video",
            "prompt": request.prompt,
            "aspect_ratio": request.aspect_ratio,
            "resolution": request.resolution,
            "duration": f"{request.duration}s",
        }
        keyframes = {}
        if request.image_url:
            keyframes["frame0"] = {"type": "image", "url": request.image_url}
        if request.end_image_url:
            keyframes["frame1"] = {"type": "image", "url": request.end_image_url}
        if keyframes:
            body["keyframes"] = keyframes
        if request.callback_url:
            body["callback_url"] = request.callback_url
        return body

    def poll(self, job_id: str) -> PollResult:
        return generation_status(self.call("GET", f"/generations/{job_id}") or {})

    def cancel(self, job_id: str) -> None:
        self.best_effort("DELETE", f"/generations/{job_id}")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Read the job id from Luma's unsigned callback; the pipeline re-polls before trusting."""
        payload = read_payload(body)
        if not payload.get("id"):
            raise WebhookRejected("Luma callback without a generation id.")
        return WebhookEvent(job_id=str(payload["id"]), trusted=False)

    def error_reason(self, body: Any) -> str:
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            return "; ".join(str(item.get("msg", item)) for item in body["detail"])
        return super().error_reason(body)


def generation_status(generation: dict[str, Any]) -> PollResult:
    """Return the PollResult for a Luma Generation object."""
    status = STATES.get(generation.get("state", ""))
    if status is None:
        raise PermanentProviderError(f"Luma reported an unknown state {generation.get('state')!r}.")
    version = generation.get("model", "")
    if status == JobStatus.FAILED:
        reason = generation.get("failure_reason") or "Luma reported a failure without a reason."
        return PollResult(status=status, error=reason, model_version=version, raw=generation)
    if status == JobStatus.SUCCEEDED:
        video = (generation.get("assets") or {}).get("video") or ""
        if not video:
            return PollResult(
                status=JobStatus.FAILED,
                error="Luma reported the generation complete but gave no video.",
                model_version=version,
                raw=generation,
            )
        return PollResult(status=status, progress=1.0, output_url=video, raw=generation)
    return PollResult(status=status, model_version=version, raw=generation)


LUMA_CAPS = Capabilities(
    image_to_video=True,
    end_frame=True,
    durations=(5, 9),
    resolutions=("540p", "720p", "1080p"),
    aspect_ratios=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"),
)


class LumaRay2(LumaProvider):
    model_id = "ray-2"
    display_name = "Luma Ray 2"
    capabilities = LUMA_CAPS
    default_price = DefaultPrice(
        amount=Decimal("0.142"),
        resolution="720p",
        source="PROVIDERS.md §2: $0.71 per 5 s at 720p [2nd: Comfy-Org/docs PR #514, 2025-10]",
    )


class LumaRayFlash2(LumaProvider):
    model_id = "ray-flash-2"
    display_name = "Luma Ray Flash 2"
    capabilities = LUMA_CAPS
    default_price = DefaultPrice(
        amount=Decimal("0.049"),
        resolution="720p",
        source=(
            "estimate: Ray 2's 720p price scaled by the Flash/Ray 2 ratio at 4k ($2.19/$6.37) "
            "[2nd: Comfy-Org/docs PR #514, 2025-10]"
        ),
    )
