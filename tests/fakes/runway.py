"""Fake Runway API: tasks with PENDING → RUNNING (progress) → SUCCEEDED, errors as {"error"}.

Answers carry what Runway's official SDK types require (runwayml 5.24): `estimatedCost.credits`
on create and on every unfinished task, `cost.credits` on every finished one (0 when a failed or
cancelled task is refunded, as Runway does), `createdAt` always. Job faults add `throttled`
(THROTTLED on the first poll: over the account's concurrency) and `unknown_status`.
"""

from __future__ import annotations

from tests.fakes.server import (
    FAILURE_REASON,
    JOB_FAULTS,
    FakeProvider,
    Request,
    Response,
    json_response,
)

RATIOS = {"1280:720", "720:1280", "960:960", "1920:1080", "1080:1920", "1280:768", "768:1280"}
#: Credits per second of video (PROVIDERS.md §1); Veo models: (without audio, with audio).
CREDITS_PER_SECOND = {
    "gen4.5": 12,
    "gen4_turbo": 5,
    "gen3a_turbo": 5,
    "veo3": (40, 40),
    "veo3.1": (20, 40),
    "veo3.1_fast": (10, 15),
}


def credits_for(body: dict) -> int:
    """Return what Runway charges for the task `body` asks for."""
    rate = CREDITS_PER_SECOND.get(body.get("model"), 10)
    if isinstance(rate, tuple):
        rate = rate[1] if body.get("audio", True) else rate[0]
    return rate * int(body.get("duration") or 5)


class FakeRunway(FakeProvider):
    slug = "runway"
    job_faults = (*JOB_FAULTS, "job_failed_internal", "throttled", "unknown_status")
    routes = [
        ("POST", r"/v1/text_to_video", "create_text", "submit"),
        ("POST", r"/v1/image_to_video", "create_image", "submit"),
        ("GET", r"/v1/tasks/(?P<task_id>[\w-]+)", "retrieve", "poll"),
        ("DELETE", r"/v1/tasks/(?P<task_id>[\w-]+)", "delete", "cancel"),
    ]

    def authorized(self, request: Request) -> bool:
        version_ok = request.headers.get("x-runway-version") == "2024-11-06"
        return super().authorized(request) and version_ok

    def create_text(self, request: Request) -> Response:
        return self.create(request, needs_image=False)

    def create_image(self, request: Request) -> Response:
        return self.create(request, needs_image=True)

    def create(self, request: Request, *, needs_image: bool) -> Response:
        body = request.json()
        if not body.get("model") or body.get("ratio") not in RATIOS:
            return self.error(400, f"Invalid ratio {body.get('ratio')!r} for {body.get('model')}.")
        if needs_image and not body.get("promptImage"):
            return self.error(400, "promptImage is required.")
        if not isinstance(body.get("duration"), int):
            return self.error(400, "duration must be an integer.")
        job = self.new_job(body)
        return json_response({"id": job.id, "estimatedCost": {"credits": credits_for(body)}})

    def retrieve(self, request: Request, task_id: str) -> Response:
        job = self.jobs.get(task_id)
        if job is None:
            return self.error(404, "Task not found.")
        phase = self.advance(job)
        credits = credits_for(job.body)
        task = {"id": job.id, "createdAt": "2026-11-24T12:00:00Z"}
        if phase in ("queued", "running"):
            task["estimatedCost"] = {"credits": credits}
        else:  # a finished task says what it charged: refunded (0) unless it succeeded
            task["cost"] = {"credits": credits if phase in ("succeeded", "no_output") else 0}
        if job.fault == "unknown_status":
            task["status"] = "ARCHIVED"
        elif phase == "queued":
            task["status"] = "THROTTLED" if job.fault == "throttled" else "PENDING"
        elif phase == "running":
            task |= {"status": "RUNNING", "progress": self.progress(job)}
        elif phase == "succeeded":
            task |= {"status": "SUCCEEDED", "output": [self.file_url(job)]}
        elif phase == "no_output":
            task |= {"status": "SUCCEEDED", "output": []}
        elif phase == "failed":
            task |= {"status": "FAILED", "failure": FAILURE_REASON, "failureCode": "SAFETY.INPUT"}
        elif phase == "failed_internal":
            task |= {
                "status": "FAILED",
                "failure": "An unexpected error occurred.",
                "failureCode": "INTERNAL.BAD_OUTPUT.CODE01",
            }
        else:
            task["status"] = "CANCELLED"
        return json_response(task)

    def delete(self, request: Request, task_id: str) -> Response:
        job = self.jobs.get(task_id)
        if job is None:
            return self.error(404, "Task not found.")
        job.canceled = True
        return Response(204)
