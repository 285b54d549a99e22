"""Open video servers that mimic OpenAI's Videos API, on a team's own GPUs.

Same protocol as Sora (POST /v1/videos, GET /v1/videos/{id}, GET /v1/videos/{id}/content), so
the calls are `OpenAIVideoProvider`'s; what differs is the endpoint (base URL and key from the
catalog row's SelfHostedEndpoint), the model name (the row's model id), and the cost: computed
from the GPU time the server reports in `usage.gpu_seconds` where it does, else from the job's
wall time at the server (`completed_at` − `created_at`, whole seconds, queue wait included).
The API has no client reference to look a job up by: an interrupted submit goes to staff.
"""

from __future__ import annotations

from typing import Any

from benchmarks.providers.base import JobStatus, Lifecycle, PermanentProviderError, PollResult
from benchmarks.providers.openai.plugin import OpenAIVideoProvider
from benchmarks.providers.selfhosted import ConfigError, SelfHostedProvider


class OpenAICompatibleVideo(SelfHostedProvider, OpenAIVideoProvider):
    display_name = "OpenAI-compatible video server"
    lifecycle = Lifecycle.ACTIVE
    retired_on = ""
    api_key_setting = ""
    base_url_setting = ""
    poll_interval = 5.0

    def check_config(self) -> None:
        """Raise ConfigError when the row has no model id (the server needs it in `model`), or
        claims a setting the Videos protocol has no field for (it would be dropped unseen)."""
        if not self.model_id:
            raise ConfigError("model_id", "Give the model id the server expects in `model`.")
        caps = self.capabilities
        unsent = [
            name
            for name, claimed in (
                ("end_frame", caps.end_frame),
                ("seed", caps.seed),
                ("camera_moves", bool(caps.camera_moves)),
                ("camera_text", caps.camera_text),
                ("negative_prompt", caps.negative_prompt),
                ("audio (a switch)", caps.audio and not caps.audio_always),
            )
            if claimed
        ]
        if unsent:
            raise ConfigError(
                "capabilities",
                "The OpenAI Videos protocol has no field for "
                + ", ".join(unsent)
                + ": remove it from the capabilities (use a ComfyUI workflow for those settings).",
            )

    def poll(self, job_id: str) -> PollResult:
        try:
            return super().poll(job_id)
        except PermanentProviderError as exc:
            if exc.code != "404":
                raise
            # Open servers keep jobs in memory: a job it no longer knows was lost to a restart.
            return PollResult(
                status=JobStatus.FAILED,
                error=f"The server no longer knows video {job_id}: it restarted or dropped it.",
                error_permanent=False,
            )

    def video_status(self, video: dict[str, Any], *, poll_after: float | None = None) -> PollResult:
        result = super().video_status(video, poll_after=poll_after)
        if not result.status.is_terminal:
            return result
        usage = video.get("usage") or {}
        created, completed = video.get("created_at"), video.get("completed_at")
        wall = (
            completed - created
            if isinstance(created, int | float) and isinstance(completed, int | float)
            else None
        )
        return self.computed(result, gpu_seconds=usage.get("gpu_seconds"), wall_seconds=wall)
