"""Fake OpenAI Videos API: multipart submit, queued → in_progress → completed, authed content."""

from __future__ import annotations

import time

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response
from tests.fakes.webhooks import standard_webhook

SIZES = {"720x1280", "1280x720", "1024x1792", "1792x1024"}
SECONDS = ("4", "8", "12")


class FakeOpenAI(FakeProvider):
    slug = "openai"
    prefix = "/v1"
    seconds: tuple[str, ...] = SECONDS
    routes = [
        ("POST", r"/v1/videos", "create", "submit"),
        ("GET", r"/v1/videos/(?P<video_id>video_\w+)", "retrieve", "poll"),
        ("GET", r"/v1/videos/(?P<video_id>video_\w+)/content", "content", "download"),
        ("DELETE", r"/v1/videos/(?P<video_id>video_\w+)", "delete", "cancel"),
    ]

    def error(self, status: int, message: str) -> Response:
        kind = "invalid_request_error" if status < 500 else "server_error"
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return json_response(body, status)

    def no_credit(self) -> Response:
        return self.error(402, "You exceeded your current quota: insufficient credit balance.")

    def create(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return self.error(400, "Expected multipart/form-data.")
        form = request.form()
        if not form.get("prompt") or form.get("seconds") not in self.seconds:
            return self.error(400, f"Invalid 'seconds': expected one of {', '.join(self.seconds)}.")
        if form.get("size") not in SIZES:
            return self.error(400, f"Invalid 'size' {form.get('size')!r}.")
        form = {k: v if isinstance(v, str) else f"<{len(v)} bytes>" for k, v in form.items()}
        job = self.new_job(form, job_id="video_" + self.new_id())
        return json_response(self.video(job, "queued"))

    def new_id(self) -> str:
        return f"{len(self.jobs) + 1:04d}{int(time.time() * 1000) % 10**8:08d}"

    def retrieve(self, request: Request, video_id: str) -> Response:
        job = self.jobs.get(video_id)
        if job is None:
            return self.error(404, "Video not found.")
        phase = self.advance(job)
        status = {"queued": "queued", "running": "in_progress", "failed": "failed"}.get(
            phase, "completed"
        )
        job.extra["no_output"] = phase == "no_output"
        return json_response(self.video(job, status), headers={"openai-poll-after-ms": "2000"})

    def video(self, job, status: str) -> dict:
        video = {
            "id": job.id,
            "object": "video",
            "status": status,
            "progress": {"queued": 0, "in_progress": 50}.get(status, 100),
            "model": job.body.get("model"),
            "seconds": job.body.get("seconds"),
            "size": job.body.get("size"),
            "created_at": int(job.created),
            "error": None,
        }
        if status == "failed":
            video["error"] = {"code": "moderation_blocked", "message": FAILURE_REASON}
        return video

    def callback_target(self, job) -> str:
        return self.webhook_url  # set per project in OpenAI's dashboard

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        kind = "video.completed" if phase == "succeeded" else "video.failed"
        event = {"id": f"evt_{job.id}", "object": "event", "type": kind, "data": {"id": job.id}}
        return standard_webhook(event, secret=self.webhook_secret)

    def content(self, request: Request, video_id: str) -> Response:
        if not self.authorized(request):
            return self.error(401, "Invalid API key.")
        job = self.jobs.get(video_id)
        if job is None or job.extra.get("no_output"):
            return self.error(404, "Video content not found.")
        return self.serve_file(request)

    def delete(self, request: Request, video_id: str) -> Response:
        if self.jobs.pop(video_id, None) is None:
            return self.error(404, "Video not found.")
        return json_response({"id": video_id, "object": "video.deleted", "deleted": True})
