"""MiniMax Hailuo: submit → query → files/retrieve, with errors inside HTTP 200 answers.

Every answer carries `base_resp.status_code`; non-zero is an error even on HTTP 200. A finished
task gives a `file_id`, and a second call turns it into a download URL. Callbacks are unsigned
and start with a challenge the webhook view must echo (`webhook_challenge`). Facts: PROVIDERS.md §6.
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
from benchmarks.providers.client import HttpProvider, evidence
from benchmarks.providers.signatures import read_payload

STATUSES = {
    "Preparing": JobStatus.PENDING,
    "Queueing": JobStatus.PENDING,
    "Processing": JobStatus.RUNNING,
    "Success": JobStatus.SUCCEEDED,
    "Fail": JobStatus.FAILED,
}
#: Codes worth another attempt: unknown, timeout, rate limit, internal, system, connection limit.
TRANSIENT_CODES = {1000, 1001, 1002, 1024, 1033, 1041, 2056}
CODE_WORDS = {
    1004: "authentication failed (a key from the other region answers this too)",
    1008: "insufficient balance: add credit to the account",
    1026: "the input was flagged as sensitive",
    1027: "the output was flagged as sensitive",
    2013: "invalid parameters",
    2038: "the account needs real-name verification",
    2049: "invalid API key",
    2056: "the usage limit for the 5-hour window is reached",
}
MAX_PROMPT = 2000
RESOLUTIONS = {"720p": "720P", "768p": "768P", "1080p": "1080P"}
PRICE = DefaultPrice(
    amount=Decimal("0.047"),
    resolution="768p",
    source="indicator: Hailuo-02 768P 6 s ≈ $0.28 [2nd: wavespeed]; official price UNCONFIRMED",
)


class MiniMaxProvider(HttpProvider):
    """MiniMax's video generation API; subclasses name the model."""

    provider_slug = "minimax"
    provider_name = "MiniMax"
    # MiniMax documents nothing about failed tasks: counted as billed.
    billing_policy = BillingPolicy.UNDOCUMENTED
    api_key_setting = "MINIMAX_API_KEY"
    base_url_setting = "MINIMAX_BASE_URL"
    default_base_url = "https://api.minimax.io"
    # MiniMax's own client polls every 20-30 s.
    poll_interval = 15.0

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if len(request.prompt) > MAX_PROMPT:
            raise PermanentProviderError(
                f"MiniMax takes prompts of at most {MAX_PROMPT} characters."
            )
        if request.resolution == "1080p" and request.duration != 6:
            raise PermanentProviderError(f"{self.display_name} makes 1080p clips of 6 s only.")

    def submit(self, request: GenerationRequest) -> SubmitResult:
        body: dict[str, Any] = {
            "model": self.model_id,
            "prompt": request.prompt,
            "duration": request.duration,
            "resolution": RESOLUTIONS.get(request.resolution, request.resolution.upper()),
        }
        if request.image_url:
            body["first_frame_image"] = request.image_url
        if request.end_image_url:
            body["last_frame_image"] = request.end_image_url
        if request.callback_url:
            body["callback_url"] = request.callback_url
        answer = self.call_minimax("POST", "/v1/video_generation", json=body)
        if not answer.get("task_id"):
            raise OutcomeUnknownError("MiniMax accepted the task but returned no task_id.")
        return SubmitResult(job_id=str(answer["task_id"]), request_sent=evidence(body))

    def poll(self, job_id: str) -> PollResult:
        task = self.call("GET", "/v1/query/video_generation", params={"task_id": job_id}) or {}
        status = STATUSES.get(task.get("status", ""))
        if status is None:
            # No task in the answer: the query itself failed (bad id, auth, rate limit, ...).
            if (task.get("base_resp") or {}).get("status_code", 0) != 0:
                raise minimax_error(task["base_resp"])
            raise JobUnknownError(f"MiniMax reported an unknown status {task.get('status')!r}.")
        if status == JobStatus.FAILED:
            return failed_task(task)
        if status == JobStatus.SUCCEEDED:
            return self.finished(task)
        return PollResult(status=status, raw=task)

    def finished(self, task: dict[str, Any]) -> PollResult:
        """Turn a finished task's file_id into its download URL (valid for hours, not days)."""
        file_id = task.get("file_id")
        if not file_id:
            return PollResult(
                status=JobStatus.FAILED, error="MiniMax reported success without a file.", raw=task
            )
        answer = self.call_minimax("GET", "/v1/files/retrieve", params={"file_id": file_id})
        url = (answer.get("file") or {}).get("download_url", "")
        if not url:
            return PollResult(
                status=JobStatus.FAILED, error="MiniMax's file has no download URL.", raw=task
            )
        return PollResult(status=JobStatus.SUCCEEDED, progress=1.0, output_url=url, raw=task)

    def call_minimax(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Call the API and return its body, raising on a non-zero `base_resp.status_code`."""
        answer = self.call(method, path, **kwargs) or {}
        base_resp = answer.get("base_resp") or {}
        if base_resp.get("status_code", 0) != 0:
            raise minimax_error(base_resp)
        return answer

    def error_reason(self, body: Any) -> str:
        if isinstance(body, dict) and isinstance(body.get("base_resp"), dict):
            return body["base_resp"].get("status_msg", "")
        return super().error_reason(body)

    def webhook_challenge(self, body: bytes) -> dict[str, Any] | None:
        """Echo MiniMax's handshake (`{"challenge": ...}`, sent first to a new callback URL)."""
        try:
            payload = read_payload(body)
        except WebhookRejected:
            return None
        if "challenge" in payload:
            return {"challenge": payload["challenge"]}
        return None

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Read the task id from MiniMax's unsigned callback; the pipeline re-polls to confirm."""
        payload = read_payload(body)
        if not payload.get("task_id"):
            raise WebhookRejected("MiniMax callback without a task_id.")
        return WebhookEvent(job_id=str(payload["task_id"]), trusted=False)


def minimax_error(base_resp: dict[str, Any]) -> ProviderError:
    code = int(base_resp.get("status_code") or 0)
    reason = base_resp.get("status_msg") or "no message"
    words = CODE_WORDS.get(code, "")
    message = f"MiniMax refused the request (code {code}: {reason})" + (
        f"; {words}." if words else "."
    )
    if code in TRANSIENT_CODES:
        return TransientProviderError(message, code=str(code))
    return PermanentProviderError(message, code=str(code))


def failed_task(task: dict[str, Any]) -> PollResult:
    base_resp = task.get("base_resp") or {}
    reason = base_resp.get("status_msg") or "MiniMax reported a failure without a reason."
    code = int(base_resp.get("status_code") or 0)
    return PollResult(
        status=JobStatus.FAILED,
        error=f"{reason} (code {code})" if code else reason,
        error_permanent=code not in TRANSIENT_CODES,
        raw=task,
    )


class Hailuo02(MiniMaxProvider):
    model_id = "MiniMax-Hailuo-02"
    display_name = "MiniMax Hailuo 02"
    capabilities = Capabilities(
        image_to_video=True, end_frame=True, durations=(6, 10), resolutions=("768p", "1080p")
    )
    default_price = PRICE


class Hailuo23(MiniMaxProvider):
    model_id = "MiniMax-Hailuo-2.3"
    display_name = "MiniMax Hailuo 2.3"
    capabilities = Capabilities(
        image_to_video=True, durations=(6, 10), resolutions=("768p", "1080p")
    )
    default_price = PRICE
