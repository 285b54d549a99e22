"""The machinery every fake provider shares: a threaded loopback HTTP server, jobs, faults.

A fake subclasses `FakeProvider`, declares its `routes` and answers in its provider's documented
shapes. The base handles what is common: recording requests, counting submissions, the job
status progression, fault injection, the output file (with Range support), and a small control
API (`/_fake/stats`, `/_fake/faults`) so a test in another process can drive a standalone fake.

Faults, injected with `fake.inject(fault, on=phase, times=n)`:

- on a request phase (`submit`, `poll`, `result`, `download`, `cancel`, or `any`):
  `bad_request` (400), `unauthorized` (401), `no_credit` (402 or the provider's equivalent),
  `rate_limited` (429 + Retry-After), `server_error` (500), `malformed` (200, broken JSON),
  `hang` (no answer for `hang_seconds`, then the real answer: a slow provider), `not_found`
  (404), `lost_answer` (the request is carried out, then no answer for `hang_seconds`: the
  client times out), and for downloads `expired` and `truncated`; `cut_off` and
  `gateway_error` let the provider do the work (create the job) and then lose the answer: a 200
  whose JSON is cut off (`{"id": "abc`) or a gateway's 502;
- on `job` (the next submitted job): `job_failed` (the provider reports a failure) and
  `no_output` (the provider reports success, or done, without a usable output); fakes whose
  provider tells its own failures apart add `job_failed_internal` (a failure the provider says
  a new attempt may fix) to their `job_faults`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from tests.clips import make_clip
from tests.fakes.callbacks import CallbackSender

REQUEST_FAULTS = (
    "bad_request",
    "unauthorized",
    "no_credit",
    "rate_limited",
    "server_error",
    "malformed",
    "hang",
    "lost_answer",
    "expired",
    "truncated",
    "cut_off",
    "gateway_error",
    "not_found",
)
#: Faults applied *after* the provider did the work: the job exists, the answer is lost.
AFTER_FAULTS = ("cut_off", "gateway_error")
JOB_FAULTS = ("job_failed", "no_output")
#: Routes anyone may call: signed output URLs and published signing keys.
PUBLIC_PHASES = ("download", "jwks")
RETRY_AFTER = 7
#: Every fake serves its outputs here (plain signed-URL style, no auth).
FILE_ROUTE = ("GET", r"/files/(?P<name>[^/]+)", "download_route", "download")
FAILURE_REASON = "The prompt was flagged by content moderation."
BAD_REQUEST_REASON = "Invalid value for duration: must be one of the documented values."


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str | bytes]:
        """Return the fields of a multipart/form-data body (file parts as bytes)."""
        head = f"Content-Type: {self.headers.get('content-type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        fields: dict[str, str | bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload if part.get_filename() else payload.decode()
        return fields


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Send only this many bytes of the body, then drop the connection.
    truncate_at: int | None = None


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


@dataclass
class FakeJob:
    id: str
    body: Any
    created: float = field(default_factory=time.time)
    polls: int = 0
    fault: str = ""
    canceled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@functools.cache
def clip_bytes() -> bytes:
    """Return a tiny real MP4 (1 s, 320x180, with audio) the fakes serve as every output."""
    with tempfile.TemporaryDirectory() as tmp:
        return make_clip(Path(tmp) / "clip.mp4", seconds=1).read_bytes()


class FakeProvider(CallbackSender):
    """One fake provider API. Subclasses set `routes` and answer in the provider's shapes."""

    slug: ClassVar[str] = ""
    #: (method, path regex, handler method name, phase for fault injection)
    routes: ClassVar[list[tuple[str, str, str, str]]] = []
    #: Path prefix of the API (part of the base URL the plugin is configured with).
    prefix: ClassVar[str] = ""
    job_faults: ClassVar[tuple[str, ...]] = JOB_FAULTS
    #: The credential settings, when not `<SLUG>_API_KEY` (the wrong-key test spoils them).
    key_settings: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        delay: float = 0.0,
        steps: int = 2,
        key: str = "fake-key",
        callbacks: bool = False,
        webhook_url: str = "",
    ):
        self.delay = delay  # seconds before a job can finish
        self.steps = steps  # polls before a job can finish
        self.key = key
        self.callbacks = callbacks  # POST the provider's callback when a job finishes
        self.webhook_url = webhook_url  # for providers whose webhooks are set per project
        self.hang_seconds = 1.0
        self.retry_after: int | str = RETRY_AFTER  # seconds, or an HTTP-date
        self.jobs: dict[str, FakeJob] = {}
        # Bounded: a standalone fake in a long perf run sees many thousands of polls.
        self.requests: deque[Request] = deque(maxlen=5000)
        self.submissions = 0
        self.counts: dict[str, int] = {}
        self.faults: list[list[Any]] = []  # [fault, phase, remaining]
        self.deliveries: list[dict[str, Any]] = []  # callbacks sent, with the answer's status
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None

    # -- server --------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeProvider:
        self.down = False
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.down = True  # kept-alive connections are dropped too, as when a server dies
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def restart(self, *, keep_jobs: bool = False) -> None:
        """Go away and come back on the same port; a server that keeps jobs in memory loses them."""
        port = self.server.server_address[1]
        self.stop()
        if not keep_jobs:
            with self.lock:
                self.jobs.clear()
        self.start(port)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def plugin_settings(self) -> dict[str, str]:
        """Return the settings that point a plugin of this provider at the fake."""
        name = self.slug.upper()
        return {f"{name}_BASE_URL": self.base_url, f"{name}_API_KEY": self.key}

    # -- faults and stats ----------------------------------------------------------------------

    def inject(self, fault: str, *, on: str = "submit", times: int = 1) -> None:
        """Make the next `times` requests of phase `on` (or the next jobs) fail with `fault`."""
        if fault not in REQUEST_FAULTS + self.job_faults:
            raise ValueError(f"{type(self).__name__} can't inject {fault!r}")
        with self.lock:
            self.faults.append([fault, "job" if fault in self.job_faults else on, times])

    def take_fault(self, phase: str) -> str:
        with self.lock:
            for entry in self.faults:
                if entry[1] in (phase, "any") and entry[2] > 0:
                    entry[2] -= 1
                    return entry[0]
        return ""

    def stats(self) -> dict[str, Any]:
        counts = {"submissions": self.submissions, "jobs": len(self.jobs), **self.counts}
        return counts | {"deliveries": list(self.deliveries)}

    # -- request handling ----------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
        if request.path.startswith("/_fake/"):
            return self.control(request)
        for method, pattern, name, phase in [*self.routes, FILE_ROUTE]:
            match = re.fullmatch(pattern, request.path)
            if method == request.method and match:
                with self.lock:
                    self.counts[phase] = self.counts.get(phase, 0) + 1
                fault = self.take_fault(phase)
                if phase == "download" and fault in ("expired", "truncated"):
                    request.headers["x-fake-fault"] = fault  # serve_file shapes the body
                elif (
                    fault and fault not in AFTER_FAULTS and (response := self.fault_response(fault))
                ):
                    return response
                if phase not in PUBLIC_PHASES and not self.authorized(request):
                    return self.error(401, "Invalid API key or token.")
                response = getattr(self, name)(request, **match.groupdict())
                if fault == "lost_answer":
                    time.sleep(self.hang_seconds)
                if fault in AFTER_FAULTS and response.status < 400:
                    return self.lost_answer(fault, response)
                return response
        return self.error(404, f"No route for {request.method} {request.path}.")

    def control(self, request: Request) -> Response:
        if request.path == "/_fake/stats":
            return json_response(self.stats())
        if request.path == "/_fake/faults" and request.method == "POST":
            spec = request.json()
            self.inject(spec["fault"], on=spec.get("on", "submit"), times=spec.get("times", 1))
            return json_response({"ok": True})
        return json_response({"error": "unknown control"}, 404)

    def fault_response(self, fault: str) -> Response | None:
        """Return the provider-shaped answer for `fault`, or None to go on (after a hang)."""
        if fault == "hang":
            time.sleep(self.hang_seconds)
            return None
        if fault == "lost_answer":  # `handle` carries the request out, then stalls
            return None
        if fault == "malformed":
            return Response(200, b'{"id": "x", "status', {"Content-Type": "application/json"})
        if fault == "rate_limited":
            response = self.error(429, "Too many requests, slow down.")
            response.headers["Retry-After"] = str(self.retry_after)
            return response
        status = {
            "bad_request": 400,
            "unauthorized": 401,
            "no_credit": 402,
            "server_error": 500,
            "not_found": 404,
        }
        if fault == "no_credit":
            return self.no_credit()
        return self.error(status.get(fault, 400), self.fault_message(fault))

    def lost_answer(self, fault: str, response: Response) -> Response:
        """Return what reaches the client after the work was done: a cut-off body or a 502."""
        if fault == "cut_off":
            return Response(200, response.body[: max(len(response.body) // 2, 1)], response.headers)
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        return Response(502, body, {"Content-Type": "text/html"})

    def fault_message(self, fault: str) -> str:
        return {
            "bad_request": BAD_REQUEST_REASON,
            "unauthorized": "Invalid API key or token.",
            "server_error": "Internal server error.",
            "not_found": "Not found.",
        }.get(fault, fault)

    def no_credit(self) -> Response:
        return self.error(402, "Insufficient credit: add credit to your account.")

    # -- provider hooks ------------------------------------------------------------------------

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.key}"

    def error(self, status: int, message: str) -> Response:
        """Return an error in this provider's documented shape."""
        return json_response({"error": message}, status)

    # -- jobs ----------------------------------------------------------------------------------

    def new_job(self, body: Any, job_id: str = "", **extra: Any) -> FakeJob:
        job = FakeJob(id=job_id or uuid.uuid4().hex, body=body, extra=extra)
        job.fault = self.take_fault("job")
        with self.lock:
            self.submissions += 1
            self.jobs[job.id] = job
        self.schedule_callback(job)
        return job

    def advance(self, job: FakeJob) -> str:
        """Count a poll and return the job's phase: queued, running, succeeded, failed, ..."""
        with self.lock:
            job.polls += 1
            polls = job.polls
        if job.canceled:
            return "canceled"
        done = polls > self.steps and time.time() - job.created >= self.delay
        if not done:
            return "queued" if polls == 1 else "running"
        return self.final_phase(job)

    def progress(self, job: FakeJob) -> float:
        return min(job.polls / (self.steps + 1), 1.0)

    def file_url(self, job: FakeJob) -> str:
        return f"{self.origin}/files/{job.id}.mp4"

    def serve_file(self, request: Request, name: str = "") -> Response:
        """Serve the clip with Range support; honour download faults injected for this call."""
        fault = request.headers.get("x-fake-fault", "")
        if fault == "expired":
            body = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
            return Response(403, body, {"Content-Type": "application/xml"})
        data = clip_bytes()
        response = _ranged(data, request.headers.get("range", ""))
        if fault == "truncated":
            response.truncate_at = len(response.body) // 2
        return response

    def download_route(self, request: Request, **kwargs: str) -> Response:
        return self.serve_file(request)


def _ranged(data: bytes, header: str) -> Response:
    headers = {"Content-Type": "video/mp4", "Accept-Ranges": "bytes"}
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not match or not any(match.groups()):
        return Response(200, data, headers)
    first, last = match.groups()
    if first:
        start, end = int(first), int(last) if last else len(data) - 1
    else:
        start, end = max(len(data) - int(last), 0), len(data) - 1
    end = min(end, len(data) - 1)
    if start > end:
        return Response(416, b"", {"Content-Range": f"bytes */{len(data)}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    return Response(206, data[start : end + 1], headers)


def _handler_for(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # or keep-alive answers wait 40 ms on delayed ACKs

        def _serve(self) -> None:
            if fake.down:
                self.close_connection = True
                return
            split = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            request = Request(
                method=self.command,
                path=split.path,
                query={k: v[0] for k, v in parse_qs(split.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            response = fake.handle(request)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if response.truncate_at is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command == "HEAD":
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if response.truncate_at is not None:
                    self.wfile.write(response.body[: response.truncate_at])
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
