"""Fake Luma Dream Machine API: queued → dreaming → completed generations, {"detail"} errors."""

from __future__ import annotations

import json

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response

ASPECTS = {"1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"}


class FakeLuma(FakeProvider):
    slug = "luma"
    prefix = "/dream-machine/v1"
    routes = [
        ("POST", r"/dream-machine/v1/generations/video", "create", "submit"),
        ("GET", r"/dream-machine/v1/generations/(?P<gen_id>[\w-]+)", "retrieve", "poll"),
        ("DELETE", r"/dream-machine/v1/generations/(?P<gen_id>[\w-]+)", "delete", "cancel"),
    ]

    def error(self, status: int, message: str) -> Response:
        return json_response({"detail": message}, status)

    def create(self, request: Request) -> Response:
        body = request.json()
        if body.get("model") not in ("ray-2", "ray-flash-2"):
            return self.error(400, f"Unknown model {body.get('model')!r}.")
        if body.get("duration") not in ("5s", "9s") or body.get("aspect_ratio") not in ASPECTS:
            return self.error(400, "Invalid duration or aspect_ratio.")
        job = self.new_job(body, callback=body.get("callback_url"))
        return json_response(self.generation(job, "queued"), 201)

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        state = {"failed": "failed", "canceled": "failed"}.get(phase, "completed")
        body = self.generation(job, state, no_output=phase == "no_output")
        return {"Content-Type": "application/json"}, json.dumps(body).encode()

    def retrieve(self, request: Request, gen_id: str) -> Response:
        job = self.jobs.get(gen_id)
        if job is None:
            return self.error(404, "Generation not found.")
        phase = self.advance(job)
        state = {"queued": "queued", "running": "dreaming", "failed": "failed"}.get(
            phase, "completed"
        )
        return json_response(self.generation(job, state, no_output=phase == "no_output"))

    def generation(self, job, state: str, *, no_output: bool = False) -> dict:
        video = self.file_url(job) if state == "completed" and not no_output else None
        return {
            "id": job.id,
            "state": state,
            "failure_reason": FAILURE_REASON if state == "failed" else None,
            "assets": {"video": video, "image": None, "progress_video": None},
            "created_at": "2026-11-24T12:00:00Z",
            "model": job.body.get("model"),
            "generation_type": "video",
            "request": job.body,
        }

    def delete(self, request: Request, gen_id: str) -> Response:
        job = self.jobs.pop(gen_id, None)
        if job is None:
            return self.error(404, "Generation not found.")
        return Response(204)
