"""Kling's official API: a short-lived HS256 JWT per call, envelopes with business codes.

Submit to /v1/videos/text2video or /image2video with our reference as `external_task_id`, so a
job whose id we lost can be found again. Callbacks are unsigned. Facts: PROVIDERS.md §5.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx
import jwt
from django.conf import settings

from benchmarks.providers.base import (
    BillingPolicy,
    Capabilities,
    DefaultPrice,
    GenerationRequest,
    JobStatus,
    JobUnknownError,
    OutcomeUnknownError,
    PermanentProviderError,
    PollResult,
    ProviderError,
    SubmitResult,
    TransientProviderError,
    WebhookEvent,
    WebhookRejected,
)
from benchmarks.providers.client import HttpProvider, evidence, retry_after, strip_data_uri
from benchmarks.providers.signatures import read_payload

STATUSES = {
    "submitted": JobStatus.PENDING,
    "processing": JobStatus.RUNNING,
    "succeed": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
}
#: Business codes worth another attempt: rate limit, concurrency, server error/maintenance/timeout.
TRANSIENT_CODES = {1302, 1303, 5000, 5001, 5002}
CODE_WORDS = {
    1004: "the token expired",
    1101: "the account is in arrears",
    1102: "the resource pack is used up or expired (no credit)",
    1103: "no permission for this model",
    1301: "the content safety check refused it",
    1302: "rate limited",
    1303: "over the concurrency limit",
}
#: Not found: the task is not of this kind, or no task has this external id.
NOT_FOUND_CODES = {"1203"}
CAMERA_AXES = ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")
CAMERA_PRESETS = ("down_back", "forward_up", "right_turn_forward", "left_turn_forward")
#: Neutral move -> (Kling axis, sign). Axis meanings and signs follow the copy of Kling's docs
#: (pan turns left/right, tilt up/down, zoom < 0 narrows the view) [2nd]; the exact sign
#: conventions are UNCONFIRMED. Static, dolly and orbit have no single axis: refused.
CAMERA_CONFIG = {
    "pan_left": ("pan", -1),
    "pan_right": ("pan", 1),
    "tilt_up": ("tilt", 1),
    "tilt_down": ("tilt", -1),
    "zoom_in": ("zoom", -1),
    "zoom_out": ("zoom", 1),
}
#: Half of Kling's range: a clear move that rarely tears the scene.
CAMERA_STRENGTH = 5
TOKEN_LIFETIME = 1800
MAX_PROMPT = 2500
PRICE = DefaultPrice(
    amount=Decimal("0.07"),
    source=(
        "indicator only: kling-v2-5-turbo 10 s at $0.70 [2nd: Comfy-Org/docs PR #514]; "
        "Kling bills resource-pack units, USD per unit UNCONFIRMED"
    ),
)


class KlingProvider(HttpProvider):
    """Kling's video API; subclasses name the model and its mode."""

    provider_slug = "kling"
    provider_name = "Kling"
    # Kling documents no refund of a failed task's units (packs are non-refundable): counted.
    billing_policy = BillingPolicy.UNDOCUMENTED
    api_key_setting = "KLING_ACCESS_KEY"
    base_url_setting = "KLING_BASE_URL"
    default_base_url = "https://api-singapore.klingai.com"
    poll_interval = 10.0
    #: "std" or "pro".
    mode = "pro"
    #: Whether the model takes `sound` (v2.6 and later).
    has_sound = False

    def is_configured(self) -> bool:
        return bool(self.api_key() and self._secret())

    def missing_configuration(self) -> str:
        if self.is_configured():
            return ""
        return "Kling has no API key (set KLING_ACCESS_KEY and KLING_SECRET_KEY)"

    def auth_headers(self) -> dict[str, str]:
        now = int(time.time())
        claims = {"iss": self.api_key(), "exp": now + TOKEN_LIFETIME, "nbf": now - 5}
        token = jwt.encode(claims, self._secret(), algorithm="HS256", headers={"typ": "JWT"})
        return {"Authorization": f"Bearer {token}"}

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if len(request.prompt) > MAX_PROMPT or len(request.negative_prompt) > MAX_PROMPT:
            raise PermanentProviderError(f"Kling takes prompts of at most {MAX_PROMPT} characters.")
        if request.camera or request.camera_text:
            camera_control(request.camera, request.camera_text)
            if request.end_image_url:
                raise PermanentProviderError(
                    "Kling can't combine an end frame with camera control in one request."
                )

    def submit(self, request: GenerationRequest) -> SubmitResult:
        kind = "image2video" if request.image_url or request.end_image_url else "text2video"
        body = self.request_body(request, kind)
        data = self.call_kling("POST", f"/v1/videos/{kind}", json=body)
        task_id = data.get("task_id")
        if not task_id:
            raise OutcomeUnknownError("Kling accepted the task but returned no task_id.")
        return SubmitResult(job_id=task_id, request_sent=evidence(body))

    def request_body(self, request: GenerationRequest, kind: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model_name": self.model_id,
            "prompt": request.prompt,
            "mode": self.mode,
            "duration": str(request.duration),
        }
        if kind == "text2video":
            body["aspect_ratio"] = request.aspect_ratio
        if request.image_url:
            body["image"] = strip_data_uri(request.image_url)
        if request.end_image_url:
            body["image_tail"] = strip_data_uri(request.end_image_url)
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if self.has_sound and request.audio is not None:
            body["sound"] = "on" if request.audio else "off"
        if request.camera or request.camera_text:
            body["camera_control"] = camera_control(request.camera, request.camera_text)
        if request.callback_url:
            body["callback_url"] = request.callback_url
        if request.reference:
            body["external_task_id"] = request.reference
        return body

    def poll(self, job_id: str) -> PollResult:
        return task_status(self.task(job_id))

    def find_job(self, reference: str) -> str | None:
        """Look the task up by the `external_task_id` we sent (our reference)."""
        try:
            return self.task(reference).get("task_id") or None
        except PermanentProviderError as exc:
            if _not_found(exc):
                return None
            raise

    def task(self, task_id: str) -> dict[str, Any]:
        """Return a task by id (or external id), whichever endpoint knows it."""
        # The id doesn't say which endpoint made it, so ask text2video first, then image2video.
        try:
            return self.call_kling("GET", f"/v1/videos/text2video/{task_id}")
        except PermanentProviderError as exc:
            if not _not_found(exc):
                raise
        return self.call_kling("GET", f"/v1/videos/image2video/{task_id}")

    def call_kling(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Call the API and return the envelope's `data`, raising on a non-zero business code."""
        envelope = self.call(method, path, **kwargs) or {}
        if envelope.get("code", 0) != 0:
            raise kling_error(envelope, None)
        return envelope.get("data") or {}

    def http_error(self, response: httpx.Response) -> ProviderError:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if isinstance(envelope, dict) and envelope.get("code"):
            return kling_error(envelope, response)
        return super().http_error(response)

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Read the task id from Kling's unsigned callback; the pipeline re-polls to confirm."""
        payload = read_payload(body)
        task_id = payload.get("task_id") or (payload.get("data") or {}).get("task_id")
        if not task_id:
            raise WebhookRejected("Kling callback without a task_id.")
        return WebhookEvent(job_id=str(task_id), trusted=False)

    def _secret(self) -> str:
        return getattr(settings, "KLING_SECRET_KEY", "")


def _not_found(exc: PermanentProviderError) -> bool:
    return exc.code in NOT_FOUND_CODES or exc.code == "404"


def kling_error(envelope: dict[str, Any], response: httpx.Response | None) -> ProviderError:
    """Map Kling's business code (not the HTTP status) to transient or permanent."""
    code = int(envelope.get("code") or 0)
    words = CODE_WORDS.get(code, "")
    reason = envelope.get("message") or "no message"
    message = f"Kling refused the request (code {code}: {reason})" + (
        f"; {words}." if words else "."
    )
    status = response.status_code if response is not None else 0
    if code in TRANSIENT_CODES or (not code and status >= 500):
        wait = retry_after(response.headers) if response is not None else None
        return TransientProviderError(message, retry_after=wait, code=str(code))
    return PermanentProviderError(message, code=str(code))


def task_status(task: dict[str, Any]) -> PollResult:
    """Return the PollResult for a Kling task object."""
    status = STATUSES.get(task.get("task_status", ""))
    if status is None:
        raise JobUnknownError(f"Kling reported an unknown status {task.get('task_status')!r}.")
    if status == JobStatus.FAILED:
        reason = task.get("task_status_msg") or "Kling reported a failure without a reason."
        return PollResult(status=status, error=reason, raw=task)
    if status == JobStatus.SUCCEEDED:
        videos = (task.get("task_result") or {}).get("videos") or []
        if not videos or not videos[0].get("url"):
            return PollResult(
                status=JobStatus.FAILED, error="Kling reported success without a video.", raw=task
            )
        return PollResult(status=status, progress=1.0, output_url=videos[0]["url"], raw=task)
    return PollResult(status=status, raw=task)


def camera_control(move: str, preset: str = "") -> dict[str, Any]:
    """Return Kling's camera_control for a neutral `move` or Kling's own `preset`; refuse the rest.

    A move becomes one "simple" axis at strength CAMERA_STRENGTH (Kling allows exactly one
    non-zero axis in -10..10); a preset (camera text) is one of Kling's named moves.
    """
    if move and preset:
        raise PermanentProviderError(
            "Kling takes either a camera move or a camera preset (camera text), not both."
        )
    if preset:
        if preset not in CAMERA_PRESETS:
            raise PermanentProviderError(
                f"Kling has no camera preset {preset!r}; it offers {', '.join(CAMERA_PRESETS)}."
            )
        return {"type": preset}
    if move not in CAMERA_CONFIG:
        raise PermanentProviderError(f"Kling has no camera move {move!r}.")
    axis, sign = CAMERA_CONFIG[move]
    config = {name: 0 for name in CAMERA_AXES}
    config[axis] = sign * CAMERA_STRENGTH
    return {"type": "simple", "config": config}


class KlingV26(KlingProvider):
    model_id = "kling-v2-6"
    display_name = "Kling 2.6"
    has_sound = True
    capabilities = Capabilities(
        image_to_video=True,
        audio=True,
        negative_prompt=True,
        durations=(5, 10),
        aspect_ratios=("16:9", "9:16", "1:1"),
    )
    default_price = PRICE


class KlingV25Turbo(KlingProvider):
    model_id = "kling-v2-5-turbo"
    display_name = "Kling 2.5 Turbo"
    capabilities = Capabilities(
        image_to_video=True,
        end_frame=True,
        negative_prompt=True,
        durations=(5, 10),
        aspect_ratios=("16:9", "9:16", "1:1"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.07"),
        source="PROVIDERS.md §5: 10 s at $0.70 [2nd: Comfy-Org/docs PR #514]",
    )


class KlingV16(KlingProvider):
    """The generation whose documented features include camera control."""

    model_id = "kling-v1-6"
    display_name = "Kling 1.6"
    capabilities = Capabilities(
        image_to_video=True,
        end_frame=True,
        camera_control=True,
        camera_moves=tuple(CAMERA_CONFIG),
        camera_text=True,
        negative_prompt=True,
        durations=(5, 10),
        aspect_ratios=("16:9", "9:16", "1:1"),
    )
    default_price = PRICE
