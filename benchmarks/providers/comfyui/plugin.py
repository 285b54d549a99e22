"""ComfyUI's HTTP API, as served by `comfyanonymous/ComfyUI` server.py on a team's own GPUs.

- POST /upload/image (multipart `image`) → {"name", "subfolder", "type"}: input images;
- POST /prompt {"prompt": workflow, "prompt_id", "client_id", "extra_data"} →
  {"prompt_id", "number", "node_errors"}; an invalid workflow answers 400
  {"error": {"type", "message", "details"}, "node_errors": {node_id: {"errors", "class_type"}}};
- GET /history/{prompt_id} → {} until the prompt has run, then {prompt_id: {"outputs",
  "status": {"status_str": "success"|"error", "completed", "messages": [[event, data], ...]}}},
  where the events are execution_start / execution_success / execution_error (node_id,
  node_type, exception_type, exception_message) / execution_interrupted, each with a
  `timestamp` in milliseconds;
- GET /queue → {"queue_running": [[number, prompt_id, ...]], "queue_pending": [...]};
- GET /view?filename=…&subfolder=…&type=output: the file;
- POST /queue {"delete": [ids]} and POST /interrupt {"prompt_id"}: cancel.

ComfyUI takes the prompt id from the client when one is sent (server.py:
`prompt_id = str(json_data.get("prompt_id", uuid.uuid4()))`), so we send our own reference and
can find the prompt again after an interrupted submit. ComfyUI keeps its queue and history in
memory: a prompt it no longer knows was lost to a restart, and a new attempt may succeed. It
reports no GPU time; the cost uses the execution's wall time (execution_start → end) on every
GPU of the endpoint.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from benchmarks.providers.base import (
    GenerationRequest,
    JobStatus,
    JobUnknownError,
    OutcomeUnknownError,
    PermanentProviderError,
    PollResult,
    SubmitResult,
)
from benchmarks.providers.client import evidence, generic_reason, image_bytes
from benchmarks.providers.comfyui.workflow import (
    WorkflowError,
    placeholders,
    workflow_check,
    workflow_fill,
)
from benchmarks.providers.selfhosted import ConfigError, SelfHostedProvider

HEIGHTS = {"480p": 480, "540p": 540, "720p": 720, "1080p": 1080}
#: Video outputs as ComfyUI lists them: core SaveVideo under "images", VHS under "gifs".
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".gif", ".webp")
#: Words in an execution error that say the GPU, not the workflow, was the problem.
TRANSIENT_EXCEPTIONS = ("OutOfMemoryError", "out of memory", "CUDA error")
CLIENT_ID = "lockstep"


class ComfyUI(SelfHostedProvider):
    display_name = "ComfyUI workflow"
    poll_interval = 5.0

    def check_config(self) -> None:
        """Raise ConfigError naming the workflow's missing node or placeholder."""
        try:
            workflow_check(self.config.workflow if self.config else None, self.capabilities)
        except WorkflowError as exc:
            raise ConfigError("workflow", str(exc)) from exc

    def submit(self, request: GenerationRequest) -> SubmitResult:
        try:
            self.check_config()
        except ConfigError as exc:
            raise PermanentProviderError(str(exc)) from exc
        values = self.values(request)
        prompt_id = self.free_prompt_id(request.reference) if request.reference else None
        body = {
            "prompt": workflow_fill(self.config.workflow, values),
            # Derived from our reference: `find_job` can look it up after a lost answer.
            "prompt_id": prompt_id or str(uuid.uuid4()),
            "client_id": CLIENT_ID,
            "extra_data": {"lockstep_reference": request.reference},
        }
        answer = self.submit_call("POST", "/prompt", json=body) or {}
        if not answer.get("prompt_id"):
            # A 2xx without the id: the prompt may be queued. The pipeline looks it up.
            raise OutcomeUnknownError(
                "ComfyUI answered the prompt without a prompt_id.", code="malformed"
            )
        return SubmitResult(job_id=answer["prompt_id"], request_sent=evidence(body))

    def values(self, request: GenerationRequest) -> dict[str, Any]:
        """Return each placeholder's value for `request`, uploading input images it needs."""
        fps = self.config.fps
        width, height = frame_size(request.resolution, request.aspect_ratio)
        values: dict[str, Any] = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            # A workflow with a seed placeholder needs a number; 0 is ComfyUI's own default.
            "seed": request.seed if request.seed is not None else 0,
            "width": width,
            "height": height,
            "frames": request.duration * fps,
            "fps": fps,
            # Refused by `validate` unless the row's capabilities (and so its workflow) take them.
            "audio": request.audio if request.audio is not None else True,
            "camera": request.camera,
            "camera_text": request.camera_text,
        }
        wanted = placeholders(self.config.workflow)
        for name, url in (("image", request.image_url), ("end_image", request.end_image_url)):
            if name not in wanted:
                continue
            if not url:
                raise PermanentProviderError(
                    f"This workflow needs an input image for {{{{{name}}}}}."
                )
            values[name] = self.upload_image(url)
        return values

    def upload_image(self, image_url: str) -> str:
        """Upload an input image to ComfyUI's input folder; return the name LoadImage takes."""
        data, mime = image_bytes(image_url)
        suffix = mime.rpartition("/")[2] or "png"
        files = {"image": (f"lockstep-{uuid.uuid4().hex}.{suffix}", data, mime)}
        answer = self.call("POST", "/upload/image", files=files, data={"type": "input"}) or {}
        name, subfolder = answer.get("name"), answer.get("subfolder")
        if not name:
            raise PermanentProviderError("ComfyUI took the image but returned no file name.")
        return f"{subfolder}/{name}" if subfolder else name

    def poll(self, job_id: str) -> PollResult:
        entry = self.history(job_id)
        if entry is None:
            state = self.queue_state(job_id)
            if state is not None:
                return PollResult(status=state)
            entry = self.history(job_id)  # it may have finished between the two reads
            if entry is None:
                return PollResult(
                    status=JobStatus.FAILED,
                    error=(
                        f"ComfyUI no longer knows prompt {job_id}: the server restarted or its "
                        "history was cleared."
                    ),
                    error_permanent=False,
                )
        return self.history_status(job_id, entry)

    def history(self, job_id: str) -> dict[str, Any] | None:
        """Return the prompt's history entry, or None while it has not finished."""
        answer = self.call("GET", f"/history/{job_id}") or {}
        entry = answer.get(job_id)
        return entry if isinstance(entry, dict) else None

    def queue_state(self, job_id: str) -> JobStatus | None:
        """Return RUNNING or PENDING if the prompt is in ComfyUI's queue, else None."""
        queue = self.call("GET", "/queue") or {}
        for key, status in (
            ("queue_running", JobStatus.RUNNING),
            ("queue_pending", JobStatus.PENDING),
        ):
            if any(len(item) > 1 and item[1] == job_id for item in queue.get(key) or []):
                return status
        return None

    def history_status(self, job_id: str, entry: dict[str, Any]) -> PollResult:
        status = entry.get("status") or {}
        events = {
            name: data for name, data in status.get("messages") or [] if isinstance(data, dict)
        }
        started = events.get("execution_start", {}).get("timestamp")
        ended = next(
            (
                events[name].get("timestamp")
                for name in ("execution_success", "execution_error", "execution_interrupted")
                if name in events
            ),
            None,
        )
        wall = (ended - started) / 1000 if started is not None and ended is not None else None
        if status.get("status_str") not in (None, "success", "error"):
            raise JobUnknownError(
                f"ComfyUI reported an unknown status {status.get('status_str')!r} for {job_id}."
            )
        if "execution_interrupted" in events:
            result = PollResult(status=JobStatus.CANCELED, error="ComfyUI interrupted the prompt.")
        elif status.get("status_str") == "error" or "execution_error" in events:
            error = events.get("execution_error", {})
            reason = " ".join(
                filter(None, [error.get("exception_type"), error.get("exception_message")])
            )
            node = f"node {error.get('node_id')} ({error.get('node_type')})" if error else ""
            result = PollResult(
                status=JobStatus.FAILED,
                error=f"ComfyUI failed at {node}: {reason}"
                if node
                else "ComfyUI reported an error.",
                error_permanent=not any(word in reason for word in TRANSIENT_EXCEPTIONS),
                raw=entry,
            )
        else:
            output = video_output(entry.get("outputs") or {})
            if output is None:
                result = PollResult(
                    status=JobStatus.FAILED,
                    error="ComfyUI finished the prompt without a video output.",
                    raw=entry,
                )
            else:
                query = urlencode(
                    {
                        "filename": output["filename"],
                        "subfolder": output.get("subfolder", ""),
                        "type": output.get("type", "output"),
                    }
                )
                url = f"{self.base_url()}/view?{query}"
                result = PollResult(
                    status=JobStatus.SUCCEEDED, progress=1.0, output_url=url, raw=entry
                )
        return self.computed(result, wall_seconds=wall)

    def download_headers(self) -> dict[str, str]:
        return self.auth_headers()

    def cancel(self, job_id: str) -> None:
        """Drop the prompt from the queue, or interrupt it if it is the one running."""
        self.best_effort("POST", "/queue", json={"delete": [job_id]})
        self.best_effort("POST", "/interrupt", json={"prompt_id": job_id})

    def free_prompt_id(self, reference: str) -> str:
        """Return the prompt id for a new attempt: `reference`, or `reference.N` after attempts
        the server still remembers (a failed attempt stays in its history until a restart)."""
        attempt = 0
        while self.knows(prompt_id := _attempt_id(reference, attempt)):
            attempt += 1
        return prompt_id

    def find_job(self, reference: str) -> str | None:
        """Return the id of the latest attempt ComfyUI knows for `reference`, or None."""
        found = None
        attempt = 0
        while self.knows(prompt_id := _attempt_id(reference, attempt)):
            found, attempt = prompt_id, attempt + 1
        return found

    def knows(self, prompt_id: str) -> bool:
        """Return whether ComfyUI has the prompt in its history or its queue."""
        return self.history(prompt_id) is not None or self.queue_state(prompt_id) is not None

    def error_reason(self, body: Any) -> str:
        """Read ComfyUI's {"error": {...}, "node_errors": {id: {"errors", "class_type"}}}."""
        reason = generic_reason(body)
        node_errors = body.get("node_errors") if isinstance(body, dict) else None
        for node_id, info in (node_errors or {}).items():
            details = "; ".join(
                ": ".join(filter(None, [e.get("message"), e.get("details")]))
                for e in info.get("errors") or []
            )
            reason += f" Node {node_id} ({info.get('class_type')}): {details}."
        return reason.strip()


def _attempt_id(reference: str, attempt: int) -> str:
    return reference if attempt == 0 else f"{reference}.{attempt}"


def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Return (width, height) for a resolution and aspect ratio, in multiples of 16 pixels."""
    short = HEIGHTS.get(resolution, 720)
    across, _, down = aspect_ratio.partition(":")
    ratio = float(across) / float(down) if down else 16 / 9
    if ratio >= 1:
        width, height = short * ratio, short
    else:
        width, height = short, short / ratio
    return int(width) // 16 * 16, int(height) // 16 * 16


def video_output(outputs: dict[str, Any]) -> dict[str, Any] | None:
    """Return the first saved video file in a history entry's outputs, or None."""
    for node_output in outputs.values():
        for files in node_output.values():
            for item in files if isinstance(files, list) else []:
                if (
                    isinstance(item, dict)
                    and item.get("type") == "output"
                    and str(item.get("filename", "")).lower().endswith(VIDEO_SUFFIXES)
                ):
                    return item
    return None
