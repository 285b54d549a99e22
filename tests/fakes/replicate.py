"""Fake Replicate API: predictions starting → processing → succeeded, RFC 7807 errors."""

from __future__ import annotations

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response
from tests.fakes.webhooks import standard_webhook

TITLES = {
    400: "Bad Request",
    401: "Unauthenticated",
    402: "Payment Required",
    404: "Not found",
    422: "Invalid input",
    429: "Request was throttled",
    500: "Internal Server Error",
}


class FakeReplicate(FakeProvider):
    slug = "replicate"
    routes = [
        ("POST", r"/v1/models/(?P<owner>[\w-]+)/(?P<name>[\w.-]+)/predictions", "create", "submit"),
        ("GET", r"/v1/predictions/(?P<pid>\w+)", "retrieve", "poll"),
        ("POST", r"/v1/predictions/(?P<pid>\w+)/cancel", "cancel", "cancel"),
    ]

    def error(self, status: int, message: str) -> Response:
        body = {
            "type": "about:blank",
            "title": TITLES.get(status, "Error"),
            "status": status,
            "detail": message,
        }
        response = json_response(body, status)
        response.headers["Content-Type"] = "application/problem+json"
        return response

    def no_credit(self) -> Response:
        return self.error(402, "You have insufficient credit to run this model.")

    def create(self, request: Request, owner: str, name: str) -> Response:
        body = request.json()
        model_input = body.get("input") or {}
        if not model_input.get("prompt"):
            return self.error(422, "input.prompt is required.")
        if not isinstance(model_input.get("duration", 5), int):
            return self.error(422, BAD_DURATION)
        job = self.new_job(body, model=f"{owner}/{name}", callback=body.get("webhook"))
        return json_response(self.prediction(job, "starting"), 201)

    def retrieve(self, request: Request, pid: str) -> Response:
        job = self.jobs.get(pid)
        if job is None:
            return self.error(404, "Prediction not found.")
        phase = self.advance(job)
        status = {
            "queued": "starting",
            "running": "processing",
            "failed": "failed",
            "canceled": "canceled",
        }.get(phase, "succeeded")
        return json_response(self.prediction(job, status, no_output=phase == "no_output"))

    def prediction(self, job, status: str, *, no_output: bool = False) -> dict:
        base = f"{self.origin}/v1/predictions/{job.id}"
        output = self.file_url(job) if status == "succeeded" and not no_output else None
        return {
            "id": job.id,
            "model": job.extra["model"],
            "version": "fakeversion0001",
            "status": status,
            "input": job.body.get("input"),
            "output": output,
            "error": FAILURE_REASON if status == "failed" else None,
            "logs": "",
            "metrics": {"predict_time": 1.5} if status == "succeeded" else {},
            "urls": {"get": base, "cancel": base + "/cancel"},
        }

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        status = {"failed": "failed", "canceled": "canceled"}.get(phase, "succeeded")
        prediction = self.prediction(job, status, no_output=phase == "no_output")
        return standard_webhook(prediction, secret=self.webhook_secret)

    def cancel(self, request: Request, pid: str) -> Response:
        job = self.jobs.get(pid)
        if job is None:
            return self.error(404, "Prediction not found.")
        job.canceled = True
        return json_response(self.prediction(job, "canceled"))


BAD_DURATION = "Invalid value for duration: must be one of the documented values."
