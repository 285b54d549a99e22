"""Fake open video server that mimics OpenAI's Videos API (e.g. a vLLM-style or custom server).

Same routes and shapes as the OpenAI fake, any whole number of seconds, and what open servers
add: `completed_at` on finished videos and, when `gpu_seconds` is set, `usage.gpu_seconds`. Jobs
live in memory: `restart()` loses them, and polling a lost video answers 404.
"""

from __future__ import annotations

from tests.fakes.openai import FakeOpenAI


class FakeOpenAICompatible(FakeOpenAI):
    slug = "openai-compatible"
    seconds = tuple(str(n) for n in range(1, 21))

    def __init__(self, **options):
        super().__init__(**options)
        #: Seconds between created_at and completed_at.
        self.execution_seconds = 120
        #: GPU-seconds the server reports per job, or None for a server that reports none.
        self.gpu_seconds: float | None = None

    def plugin_config(self) -> dict[str, str]:
        """Return the SelfHostedEndpoint fields that point a catalog row at this fake."""
        return {"base_url": self.base_url, "auth_header": f"Authorization: Bearer {self.key}"}

    def video(self, job, status: str) -> dict:
        video = super().video(job, status)
        if status in ("completed", "failed"):
            video["completed_at"] = int(job.created) + self.execution_seconds
            if self.gpu_seconds is not None:
                video["usage"] = {"gpu_seconds": self.gpu_seconds}
        return video
