"""Fake Kling API: HS256 JWT auth, {code, message, data} envelopes, lookup by external_task_id."""

from __future__ import annotations

import json
import time
import uuid

import jwt

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response

#: HTTP status -> the business code Kling sends with it for our generic faults.
CODES = {400: 1201, 401: 1000, 404: 1203, 429: 1302, 500: 5000}


class FakeKling(FakeProvider):
    slug = "kling"
    key_settings = ("KLING_SECRET_KEY",)
    routes = [
        ("POST", r"/v1/videos/(?P<kind>text2video|image2video)", "create", "submit"),
        (
            "GET",
            r"/v1/videos/(?P<kind>text2video|image2video)/(?P<task_id>[\w-]+)",
            "retrieve",
            "poll",
        ),
    ]

    def __init__(
        self,
        *,
        secret: str = "fake-kling-secret-key-0123456789abcdef",
        access: str = "fake-access",
        **options,
    ):
        super().__init__(**options)
        self.secret, self.access = secret, access

    def plugin_settings(self) -> dict[str, str]:
        return {
            "KLING_BASE_URL": self.base_url,
            "KLING_ACCESS_KEY": self.access,
            "KLING_SECRET_KEY": self.secret,
        }

    def authorized(self, request: Request) -> bool:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"require": ["exp", "nbf", "iss"]}
            )
        except jwt.PyJWTError:
            return False
        return claims["iss"] == self.access

    def error(self, status: int, message: str, code: int | None = None) -> Response:
        body = {
            "code": code or CODES.get(status, 1200),
            "message": message,
            "request_id": uuid.uuid4().hex,
        }
        return json_response(body, status)

    def no_credit(self) -> Response:
        return self.error(429, "Account resource pack depleted: insufficient credit.", code=1102)

    def create(self, request: Request, kind: str) -> Response:
        body = request.json()
        if not body.get("model_name") or body.get("duration") not in ("5", "10"):
            return self.error(400, "Invalid request parameters: duration.")
        if kind == "image2video" and not (body.get("image") or body.get("image_tail")):
            return self.error(400, "image or image_tail is required.")
        if kind == "image2video" and str(body.get("image", "")).startswith("data:"):
            return self.error(400, "image must be a URL or raw base64 without a data: prefix.")
        external = body.get("external_task_id")
        if external and any(j.extra.get("external") == external for j in self.jobs.values()):
            return self.error(400, "external_task_id already exists.")
        job = self.new_job(body, kind=kind, external=external, callback=body.get("callback_url"))
        return json_response(
            {
                "code": 0,
                "message": "SUCCEED",
                "request_id": uuid.uuid4().hex,
                "data": self.task(job, "submitted"),
            }
        )

    def retrieve(self, request: Request, kind: str, task_id: str) -> Response:
        job = self.jobs.get(task_id) or next(
            (j for j in self.jobs.values() if j.extra.get("external") == task_id), None
        )
        if job is None or job.extra["kind"] != kind:
            return self.error(404, "Task not found.")
        phase = self.advance(job)
        status = {"queued": "submitted", "running": "processing", "failed": "failed"}.get(
            phase, "succeed"
        )
        task = self.task(job, status)
        if phase == "succeeded":
            task["task_result"] = {
                "videos": [{"id": "v1", "url": self.file_url(job), "duration": "5"}]
            }
        return json_response(
            {"code": 0, "message": "SUCCEED", "request_id": uuid.uuid4().hex, "data": task}
        )

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        task = self.task(job, "succeed" if phase == "succeeded" else "failed")
        if phase == "succeeded":
            task["task_result"] = {"videos": [{"id": "v1", "url": self.file_url(job)}]}
        return {"Content-Type": "application/json"}, json.dumps(task).encode()

    def task(self, job, status: str) -> dict:
        now = int(time.time() * 1000)
        task = {
            "task_id": job.id,
            "task_status": status,
            "task_info": {"external_task_id": job.extra.get("external")},
            "created_at": int(job.created * 1000),
            "updated_at": now,
        }
        if status == "failed":
            task["task_status_msg"] = FAILURE_REASON
        return task
