"""Fake MiniMax API: errors in 200 answers (base_resp), query by task_id, files/retrieve URLs."""

from __future__ import annotations

import json

import httpx

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response

#: HTTP-style fault -> MiniMax business code (sent with HTTP 200, as the real API does).
CODES = {400: 2013, 401: 2049, 402: 1008, 404: 2013, 429: 1002, 500: 1024}


class FakeMiniMax(FakeProvider):
    slug = "minimax"
    routes = [
        ("POST", r"/v1/video_generation", "create", "submit"),
        ("GET", r"/v1/query/video_generation", "query", "poll"),
        ("GET", r"/v1/files/retrieve", "retrieve_file", "result"),
    ]

    def error(self, status: int, message: str) -> Response:
        # MiniMax answers HTTP 200 with the error in base_resp; only 429/5xx keep their status.
        http = status if status == 429 or status >= 500 else 200
        base = {"status_code": CODES.get(status, 2013), "status_msg": message}
        return json_response({"base_resp": base}, http, headers={"Trace-Id": "fake-trace"})

    def no_credit(self) -> Response:
        return self.error(402, "insufficient balance (credit)")

    def ok(self, data: dict) -> Response:
        return json_response(data | {"base_resp": {"status_code": 0, "status_msg": "success"}})

    def create(self, request: Request) -> Response:
        body = request.json()
        if not body.get("model") or body.get("duration") not in (6, 10):
            return self.error(400, "invalid params: duration")
        if body.get("resolution") not in ("512P", "720P", "768P", "1080P"):
            return self.error(400, "invalid params: resolution")
        job = self.new_job(
            body, job_id=str(100000 + len(self.jobs)), callback=body.get("callback_url")
        )
        return self.ok({"task_id": job.id})

    def query(self, request: Request) -> Response:
        job = self.jobs.get(request.query.get("task_id", ""))
        if job is None:
            return self.error(404, "task not found")
        phase = self.advance(job)
        status = {"queued": "Queueing", "running": "Processing", "failed": "Fail"}.get(
            phase, "Success"
        )
        task = {"task_id": job.id, "status": status, "file_id": ""}
        if status == "Success":
            task |= {
                "file_id": "" if phase == "no_output" else f"file{job.id}",
                "video_width": 1366,
                "video_height": 768,
            }
        if status == "Fail":
            base = {"status_code": 1027, "status_msg": FAILURE_REASON}
            return json_response(task | {"base_resp": base})
        return self.ok(task)

    def deliver(self, job) -> None:
        """Shake hands first, as MiniMax does: the endpoint must echo the challenge."""
        challenge = f"challenge-{job.id}"
        try:
            answer = httpx.post(self.callback_target(job), json={"challenge": challenge}, timeout=3)
            echoed = answer.json().get("challenge") == challenge
        except (httpx.HTTPError, ValueError):
            echoed = False
        if not echoed:
            with self.lock:
                self.deliveries.append({"job": job.id, "phase": "challenge", "status": "no echo"})
            return
        super().deliver(job)

    def callback(self, job, phase: str) -> tuple[dict[str, str], bytes]:
        ok = phase == "succeeded"
        base = {"status_code": 0, "status_msg": "success"}
        if not ok:
            base = {"status_code": 1027, "status_msg": FAILURE_REASON}
        event = {
            "task_id": job.id,
            "status": "Success" if ok else "Fail",
            "file_id": f"file{job.id}" if ok else "",
            "base_resp": base,
        }
        return {"Content-Type": "application/json"}, json.dumps(event).encode()

    def retrieve_file(self, request: Request) -> Response:
        job = self.jobs.get(request.query.get("file_id", "").removeprefix("file"))
        if job is None:
            return self.error(404, "file not found")
        return self.ok(
            {
                "file": {
                    "file_id": f"file{job.id}",
                    "bytes": 1,
                    "created_at": int(job.created),
                    "filename": "output.mp4",
                    "purpose": "video_generation",
                    "download_url": self.file_url(job),
                }
            }
        )
