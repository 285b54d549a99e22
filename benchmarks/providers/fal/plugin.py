"""fal.ai's queue API, and the models served through it (Pika has no API of its own).

Submit to queue.fal.run/{model id}; status, result and cancel live under the app
({owner}/{app}) at /requests/{request_id}. A COMPLETED status can still carry an error.
Webhooks are signed with Ed25519, keys from the JWKS URL setting. Facts: PROVIDERS.md §7-8.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode

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
from benchmarks.providers.signatures import read_payload, verify_fal_webhook

STATUSES = {"IN_QUEUE": JobStatus.PENDING, "IN_PROGRESS": JobStatus.RUNNING}
DEFAULT_JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json"


class FalProvider(HttpProvider):
    """A model on fal's queue; subclasses name the endpoints (`model_id` is text-to-video)."""

    provider_slug = "fal"
    provider_name = "fal.ai"
    # "You pay only for successful outputs"; server errors (HTTP 500+) are never charged
    # (docs.fal.ai model-apis/pricing and FAQ). A 422 may be billed: it fails before acceptance.
    billing_policy = BillingPolicy.FAILURES_FREE
    api_key_setting = "FAL_API_KEY"
    base_url_setting = "FAL_BASE_URL"
    default_base_url = "https://queue.fal.run"
    poll_interval = 5.0
    #: The endpoint for image-to-video, when the model has one.
    image_model_id: ClassVar[str] = ""

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.api_key()}"}

    @property
    def app(self) -> str:
        """Return `{owner}/{app}`: status, result and cancel URLs carry no subpath."""
        return "/".join(self.model_id.split("/")[:2])

    def submit(self, request: GenerationRequest) -> SubmitResult:
        endpoint = self.image_model_id if request.image_url else self.model_id
        body = self.input(request)
        path = f"/{endpoint}"
        if request.callback_url:
            path += "?" + urlencode({"fal_webhook": request.callback_url})
        answer = self.call("POST", path, json=body) or {}
        if not answer.get("request_id"):
            raise OutcomeUnknownError("fal accepted the request but returned no request_id.")
        sent = {"endpoint": endpoint, "input": evidence(body)}
        return SubmitResult(job_id=answer["request_id"], request_sent=sent)

    def input(self, request: GenerationRequest) -> dict[str, Any]:
        """Return the model's input JSON; override for models whose schema differs."""
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "duration": request.duration,
            "resolution": request.resolution,
        }
        if request.image_url:
            body["image_url"] = request.image_url
        else:
            body["aspect_ratio"] = request.aspect_ratio
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def poll(self, job_id: str) -> PollResult:
        state = self.call("GET", f"/{self.app}/requests/{job_id}/status") or {}
        status = state.get("status", "")
        if status in STATUSES:
            return PollResult(status=STATUSES[status], raw=state)
        if status != "COMPLETED":
            raise JobUnknownError(f"fal reported an unknown status {status!r}.")
        if state.get("error"):
            kind = state.get("error_type") or "error"
            return PollResult(
                status=JobStatus.FAILED, error=f"{state['error']} ({kind})", raw=state
            )
        return result_status(self.call("GET", f"/{self.app}/requests/{job_id}") or {})

    def cancel(self, job_id: str) -> None:
        self.best_effort("PUT", f"/{self.app}/requests/{job_id}/cancel")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify fal's Ed25519 signature; a verified payload carries the result itself."""
        jwks_url = getattr(settings, "FAL_JWKS_URL", "") or DEFAULT_JWKS_URL
        request_id = verify_fal_webhook(jwks_url, headers, body)
        payload = read_payload(body)
        if payload.get("request_id") != request_id:
            raise WebhookRejected("The fal webhook body names another request than its headers.")
        if payload.get("status") == "OK":
            poll = result_status(payload.get("payload") or {})
        else:
            reason = payload.get("error") or "fal reported an error without a reason."
            poll = PollResult(status=JobStatus.FAILED, error=str(reason), raw=payload)
        # fal names no delivery: its signed request id stands for one (a request calls back once).
        return WebhookEvent(job_id=request_id, trusted=True, poll=poll, delivery_id=request_id)

    def error_reason(self, body: Any) -> str:
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            return "; ".join(
                f"{'.'.join(map(str, item.get('loc', [])))}: {item.get('msg', item)}"
                for item in body["detail"]
                if isinstance(item, dict)
            )
        return super().error_reason(body)


def result_status(result: dict[str, Any]) -> PollResult:
    """Return the PollResult for a finished video model's output JSON."""
    url = (result.get("video") or {}).get("url", "")
    if not url:
        return PollResult(status=JobStatus.FAILED, error="fal's result holds no video.", raw=result)
    return PollResult(status=JobStatus.SUCCEEDED, progress=1.0, output_url=url, raw=result)


class Pika22(FalProvider):
    model_id = "fal-ai/pika/v2.2/text-to-video"
    image_model_id = "fal-ai/pika/v2.2/image-to-video"
    display_name = "Pika 2.2 (via fal)"
    capabilities = Capabilities(
        image_to_video=True,
        seed=True,
        negative_prompt=True,
        durations=(5, 10),
        resolutions=("720p", "1080p"),
        aspect_ratios=("16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.04"),
        resolution="720p",
        source="PROVIDERS.md §8: $0.20 per 5 s at 720p [2nd: community code citing fal]",
    )


class Pika25(FalProvider):
    model_id = "fal-ai/pika/v2.5/text-to-video"
    display_name = "Pika 2.5 (via fal)"
    capabilities = Capabilities(
        seed=True,
        negative_prompt=True,
        durations=(5, 10),
        resolutions=("480p", "720p", "1080p"),
        aspect_ratios=("16:9", "9:16", "1:1"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.04"),
        resolution="720p",
        source="assumed equal to Pika 2.2's $0.20 per 5 s at 720p; fal's 2.5 price UNCONFIRMED",
    )
