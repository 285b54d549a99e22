"""Runway's API (api.dev.runwayml.com): its own Gen-4 models and the Veo models it resells.

Submit to /v1/text_to_video or /v1/image_to_video, poll /v1/tasks/{id}; no webhooks, no lookup
by our reference. A create answers `estimatedCost.credits` (the most the task may charge) and
every finished task `cost.credits` (what was charged; 0 when Runway refunded a failed or
cancelled task), per the official SDK's types (runwayml 5.24): both are read back in USD.
Facts: PROVIDERS.md §1.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, ClassVar

from benchmarks.providers.base import (
    BillingPolicy,
    Capabilities,
    DefaultPrice,
    GenerationRequest,
    JobStatus,
    JobUnknownError,
    Lifecycle,
    OutcomeUnknownError,
    PermanentProviderError,
    PollResult,
    SubmitResult,
)
from benchmarks.providers.client import HttpProvider, evidence

API_VERSION = "2024-11-06"
#: Runway sells credits at $0.01 each (PROVIDERS.md §1).
CREDIT_USD = Decimal("0.01")
MAX_PROMPT_UNITS = 1000
STATUSES = {
    "PENDING": JobStatus.PENDING,
    "THROTTLED": JobStatus.PENDING,
    "RUNNING": JobStatus.RUNNING,
    "SUCCEEDED": JobStatus.SUCCEEDED,
    "FAILED": JobStatus.FAILED,
    "CANCELLED": JobStatus.CANCELED,
}
#: (aspect ratio, resolution) -> Runway's "ratio" for most models.
RATIOS = {
    ("16:9", "720p"): "1280:720",
    ("9:16", "720p"): "720:1280",
    ("1:1", "720p"): "960:960",
    ("16:9", "1080p"): "1920:1080",
    ("9:16", "1080p"): "1080:1920",
}
PRICE_SOURCE = "PROVIDERS.md §1: Runway credits at $0.01 [2nd: runwayml/skills, undated]"


class RunwayProvider(HttpProvider):
    """Runway's task API; subclasses name the model and what it takes."""

    provider_slug = "runway"
    provider_name = "Runway"
    # Every terminal task reports what it charged (`cost.credits`, 0 when refunded); when a
    # failed task's cost is missing anyway, it counts as charged (nothing documented otherwise).
    billing_policy = BillingPolicy.UNDOCUMENTED
    api_key_setting = "RUNWAY_API_KEY"
    base_url_setting = "RUNWAY_BASE_URL"
    default_base_url = "https://api.dev.runwayml.com"
    # Runway asks not to poll more often than every 5 s.
    poll_interval = 6.0
    ratios: ClassVar[dict[tuple[str, str], str]] = RATIOS
    #: Veo models resold by Runway take `audio` and `negativePrompt`; Runway's own don't.
    veo_fields: ClassVar[bool] = False

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key()}", "X-Runway-Version": API_VERSION}

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if (request.aspect_ratio, request.resolution) not in self.ratios:
            raise PermanentProviderError(
                f"{self.display_name} has no {request.aspect_ratio} frame at {request.resolution}."
            )
        if request.end_image_url and not request.image_url:
            raise PermanentProviderError(
                f"{self.display_name} needs a first frame with a last one."
            )
        # Runway counts UTF-16 code units, so an emoji costs two.
        if len(request.prompt.encode("utf-16-le")) // 2 > MAX_PROMPT_UNITS:
            raise PermanentProviderError(
                f"Runway takes prompts of at most {MAX_PROMPT_UNITS} characters; shorten it."
            )

    def submit(self, request: GenerationRequest) -> SubmitResult:
        body = self.request_body(request)
        path = "/v1/image_to_video" if request.image_url else "/v1/text_to_video"
        answer = self.call("POST", path, json=body) or {}
        if not answer.get("id"):
            raise OutcomeUnknownError("Runway accepted the task but returned no id.")
        return SubmitResult(
            job_id=answer["id"],
            request_sent=evidence(body),
            provider_estimate=_credits(answer.get("estimatedCost")),
        )

    def request_body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_id,
            "promptText": request.prompt,
            "ratio": self.ratios.get((request.aspect_ratio, request.resolution), ""),
            "duration": request.duration,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        if request.end_image_url:
            body["promptImage"] = [
                {"uri": request.image_url, "position": "first"},
                {"uri": request.end_image_url, "position": "last"},
            ]
        elif request.image_url:
            body["promptImage"] = request.image_url
        if self.veo_fields and request.audio is not None:
            body["audio"] = request.audio
        if self.veo_fields and request.negative_prompt:
            body["negativePrompt"] = request.negative_prompt
        return body

    def poll(self, job_id: str) -> PollResult:
        result = self.task_status(self.call("GET", f"/v1/tasks/{job_id}") or {})
        if result.status.is_terminal:
            return replace(result, actual_cost=_credits(result.raw.get("cost")))
        return result

    def task_status(self, task: dict[str, Any]) -> PollResult:
        """Return the PollResult for a Runway task object (without its cost)."""
        status = STATUSES.get(task.get("status", ""))
        if status is None:
            raise JobUnknownError(f"Runway reported an unknown status {task.get('status')!r}.")
        if status == JobStatus.SUCCEEDED:
            outputs = task.get("output") or []
            if not outputs:
                return PollResult(
                    status=JobStatus.FAILED,
                    error="Runway reported success with no output.",
                    raw=task,
                )
            return PollResult(status=status, progress=1.0, output_url=outputs[0], raw=task)
        if status == JobStatus.FAILED:
            code = task.get("failureCode") or ""
            reason = task.get("failure") or "Runway reported a failure without a reason."
            return PollResult(
                status=status,
                error=f"{reason} ({code})" if code else reason,
                # INTERNAL.* failures are Runway's own; a new attempt may well succeed.
                error_permanent=not code.startswith("INTERNAL"),
                raw=task,
            )
        return PollResult(status=status, progress=_fraction(task.get("progress")), raw=task)

    def cancel(self, job_id: str) -> None:
        self.best_effort("DELETE", f"/v1/tasks/{job_id}", headers={"Accept": "*/*"})


def _credits(cost: Any) -> Decimal | None:
    """Return `{"credits": n}` in USD, or None when Runway gave no figure."""
    credits = cost.get("credits") if isinstance(cost, dict) else None
    if isinstance(credits, bool) or not isinstance(credits, int | float) or credits < 0:
        return None
    return (Decimal(str(credits)) * CREDIT_USD).quantize(Decimal("0.0001"))


def _fraction(progress: Any) -> float | None:
    """Return Runway's progress as 0..1 (documented as a float; some answers look like %)."""
    if not isinstance(progress, int | float):
        return None
    return min(progress / 100 if progress > 1 else float(progress), 1.0)


class RunwayGen45(RunwayProvider):
    model_id = "gen4.5"
    display_name = "Runway Gen-4.5"
    capabilities = Capabilities(
        image_to_video=True, seed=True, durations=(5, 10), aspect_ratios=("16:9", "9:16")
    )
    default_price = DefaultPrice(amount=Decimal("0.12"), source=PRICE_SOURCE + ": 12 credits/s")


class RunwayGen4Turbo(RunwayProvider):
    model_id = "gen4_turbo"
    display_name = "Runway Gen-4 Turbo"
    capabilities = Capabilities(
        text_to_video=False,
        image_to_video=True,
        seed=True,
        durations=(5, 10),
        aspect_ratios=("16:9", "9:16", "1:1"),
    )
    default_price = DefaultPrice(amount=Decimal("0.05"), source=PRICE_SOURCE + ": 5 credits/s")


class RunwayVeo31(RunwayProvider):
    model_id = "veo3.1"
    display_name = "Veo 3.1 (via Runway)"
    veo_fields = True
    capabilities = Capabilities(
        image_to_video=True,
        end_frame=True,
        audio=True,
        seed=True,  # runwayml 5.24 types: veo3.1 and veo3.1_fast take `seed`
        negative_prompt=True,
        durations=(4, 6, 8),
        resolutions=("720p", "1080p"),
        aspect_ratios=("16:9", "9:16"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.40"), source=PRICE_SOURCE + ": 20-40 credits/s, upper figure (audio)"
    )


class RunwayVeo31Fast(RunwayVeo31):
    model_id = "veo3.1_fast"
    display_name = "Veo 3.1 Fast (via Runway)"
    default_price = DefaultPrice(
        amount=Decimal("0.15"), source=PRICE_SOURCE + ": 10-15 credits/s, upper figure (audio)"
    )


class RunwayGen3aTurbo(RunwayProvider):
    """Kept so past runs keep their model; Runway retired it on 2026-07-30."""

    model_id = "gen3a_turbo"
    display_name = "Runway Gen-3 Alpha Turbo"
    lifecycle = Lifecycle.RETIRED
    retired_on = "2026-07-30"
    ratios = {("16:9", "720p"): "1280:768", ("9:16", "720p"): "768:1280"}
    capabilities = Capabilities(
        text_to_video=False,
        image_to_video=True,
        end_frame=True,
        seed=True,
        durations=(5, 10),
        aspect_ratios=("16:9", "9:16"),
    )
    default_price = DefaultPrice(
        amount=Decimal("0.05"), source="PROVIDERS.md §1: 5 credits/s [2nd: hivebook.wiki, 2026]"
    )


class RunwayVeo3(RunwayVeo31):
    """Kept so past runs keep their model. `veo3` is in none of the request types of Runway's
    official SDK (runwayml 5.24: only veo3.1 and veo3.1_fast), so the API would likely refuse it
    after billing nothing; retired here rather than offered."""

    model_id = "veo3"
    display_name = "Veo 3 (via Runway)"
    lifecycle = Lifecycle.RETIRED
    retired_on = "2026-12-07"  # the day Lockstep stopped offering it (runwayml 5.24 check)
    capabilities = Capabilities(
        image_to_video=True,
        audio=True,
        negative_prompt=True,
        durations=(8,),
        resolutions=("720p", "1080p"),
        aspect_ratios=("16:9", "9:16"),
    )
    default_price = DefaultPrice(amount=Decimal("0.40"), source=PRICE_SOURCE + ": 40 credits/s")
