"""Fake Gemini API for Veo: predictLongRunning operations, x-goog-api-key, Google error envelope."""

from __future__ import annotations

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response
from tests.fakes.webhooks import standard_webhook

GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
}


class FakeVeo(FakeProvider):
    slug = "gemini"
    prefix = "/v1beta"
    routes = [
        ("POST", r"/v1beta/models/(?P<model>[\w.-]+):predictLongRunning", "create", "submit"),
        ("GET", r"/v1beta/models/(?P<model>[\w.-]+)/operations/(?P<op>\w+)", "retrieve", "poll"),
        ("GET", r"/v1beta/files/(?P<file_id>\w+):download", "content", "download"),
    ]

    def authorized(self, request: Request) -> bool:
        return request.headers.get("x-goog-api-key") == self.key

    def error(self, status: int, message: str) -> Response:
        body = {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status)}}
        return json_response(body, status)

    def no_credit(self) -> Response:
        return self.error(403, "Billing is not enabled: insufficient credit on the project.")

    def create(self, request: Request, model: str) -> Response:
        body = request.json()
        instances, parameters = body.get("instances") or [{}], body.get("parameters") or {}
        if not instances[0].get("prompt"):
            return self.error(400, "instances[0].prompt is required.")
        if "inlineData" in (instances[0].get("image") or {}):
            return self.error(400, "inlineData isn't supported by this model.")
        if parameters.get("durationSeconds") not in (4, 5, 6, 7, 8):
            return self.error(400, "durationSeconds is out of range.")
        job = self.new_job(body, operation=f"models/{model}/operations/{{}}")
        return json_response({"name": job.extra["operation"].format(job.id)})

    def retrieve(self, request: Request, model: str, op: str) -> Response:
        job = self.jobs.get(op)
        if job is None:
            return self.error(404, "Operation not found.")
        phase = self.advance(job)
        operation = {"name": f"models/{model}/operations/{op}"}
        if phase in ("queued", "running"):
            return json_response(operation | {"done": False})
        operation["done"] = True
        if phase == "failed":
            operation["error"] = {"code": 3, "message": FAILURE_REASON}
            return json_response(operation)
        samples = [] if phase == "no_output" else [{"video": {"uri": self.file_uri(job)}}]
        filtered = {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": ["Celebrity likeness."]}
        result = {"generatedSamples": samples, **(filtered if not samples else {})}
        operation["response"] = {"generateVideoResponse": result}
        return json_response(operation)

    def callback_target(self, job) -> str:
        return self.webhook_url  # a static webhook registered with POST /v1beta/webhooks

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        name = job.extra["operation"].format(job.id)
        return standard_webhook(
            {"type": "video.generated", "data": {"name": name}}, secret=self.webhook_secret
        )

    def file_uri(self, job) -> str:
        return f"{self.base_url}/files/{job.id}:download?alt=media"

    def content(self, request: Request, file_id: str) -> Response:
        if not self.authorized(request):
            return self.error(403, "The file download needs the API key.")
        return self.serve_file(request)
