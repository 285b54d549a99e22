"""Fake fal.ai queue: Key auth, IN_QUEUE → IN_PROGRESS → COMPLETED, {"detail"} errors, a JWKS.

It also signs webhooks the way fal does (Ed25519 over id, user, timestamp, sha256(body)), with a
key it publishes at /.well-known/jwks.json.
"""

from __future__ import annotations

import base64
import json
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from benchmarks.providers.signatures import fal_signed_message
from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response

APP = r"/(?P<app>[\w-]+/[\w-]+)"


class FakeFal(FakeProvider):
    slug = "fal"
    routes = [
        ("GET", r"/\.well-known/jwks\.json", "jwks", "jwks"),
        ("GET", APP + r"/requests/(?P<req>[\w-]+)/status", "status", "poll"),
        ("GET", APP + r"/requests/(?P<req>[\w-]+)", "result", "result"),
        ("PUT", APP + r"/requests/(?P<req>[\w-]+)/cancel", "cancel", "cancel"),
        ("POST", r"/(?P<model>[\w.-]+(?:/[\w.-]+)+)", "create", "submit"),
    ]

    def __init__(self, **options):
        super().__init__(**options)
        self.signing_key = Ed25519PrivateKey.generate()
        self.user_id = "fake-user"

    def plugin_settings(self) -> dict[str, str]:
        return super().plugin_settings() | {"FAL_JWKS_URL": f"{self.origin}/.well-known/jwks.json"}

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Key {self.key}"

    def error(self, status: int, message: str) -> Response:
        return json_response({"detail": message}, status, headers={"x-fal-error-type": "fake"})

    def no_credit(self) -> Response:
        return self.error(403, "User is locked. Reason: Exhausted balance (no credit left).")

    def jwks(self, request: Request) -> Response:
        raw = self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return json_response({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "fake"}]})

    def create(self, request: Request, model: str) -> Response:
        body = request.json()
        if not body.get("prompt"):
            detail = [{"loc": ["body", "prompt"], "msg": "field required", "type": "missing"}]
            return json_response({"detail": detail}, 422)
        if body.get("duration") not in (5, 10):
            return self.error(422, BAD_DURATION)
        app = "/".join(model.split("/")[:2])
        job = self.new_job(body, model=model, app=app, callback=request.query.get("fal_webhook"))
        base = f"{self.origin}/{app}/requests/{job.id}"
        return json_response(
            {
                "request_id": job.id,
                "gateway_request_id": job.id,
                "status": "IN_QUEUE",
                "response_url": base,
                "status_url": base + "/status",
                "cancel_url": base + "/cancel",
            }
        )

    def status(self, request: Request, app: str, req: str) -> Response:
        job = self.jobs.get(req)
        if job is None or job.extra["app"] != app:
            return self.error(404, "Request not found.")
        phase = self.advance(job)
        if phase == "queued":
            return json_response({"status": "IN_QUEUE", "queue_position": 0}, 202)
        if phase == "running":
            return json_response({"status": "IN_PROGRESS", "logs": []}, 202)
        state = {"status": "COMPLETED", "logs": [], "metrics": {"inference_time": 1.0}}
        if phase == "failed":
            state |= {"error": FAILURE_REASON, "error_type": "content_policy_violation"}
        job.extra["phase"] = phase
        return json_response(state)

    def result(self, request: Request, app: str, req: str) -> Response:
        job = self.jobs.get(req)
        if job is None or "phase" not in job.extra:
            return self.error(400, "Request is still in progress.")
        if job.extra["phase"] == "no_output":
            return json_response({"video": None})
        video = {"url": self.file_url(job), "content_type": "video/mp4", "file_name": "out.mp4"}
        return json_response({"video": video, "seed": job.body.get("seed", 1)})

    def cancel(self, request: Request, app: str, req: str) -> Response:
        job = self.jobs.get(req)
        if job is None:
            return self.error(404, "Request not found.")
        if job.polls > 1:
            return json_response({"status": "ALREADY_COMPLETED"}, 400)
        job.canceled = True
        return json_response({"status": "CANCELLATION_REQUESTED"}, 202)

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        return self.webhook(job.id, ok=phase == "succeeded")

    def webhook(
        self, job_id: str, *, ok: bool = True, timestamp: int | None = None
    ) -> tuple[dict, bytes]:
        """Return (headers, body) of the webhook fal would send for `job_id`, signed."""
        job = self.jobs[job_id]
        payload = {
            "request_id": job.id,
            "gateway_request_id": job.id,
            "status": "OK" if ok else "ERROR",
            "payload": {"video": {"url": self.file_url(job)}} if ok else None,
            "error": None if ok else FAILURE_REASON,
        }
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        message = fal_signed_message(job.id, self.user_id, stamp, body)
        headers = {
            "X-Fal-Webhook-Request-Id": job.id,
            "X-Fal-Webhook-User-Id": self.user_id,
            "X-Fal-Webhook-Timestamp": stamp,
            "X-Fal-Webhook-Signature": self.signing_key.sign(message).hex(),
        }
        return headers, body


BAD_DURATION = "Invalid value for duration: must be one of the documented values."
