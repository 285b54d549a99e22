"""Provider callbacks from the fakes: when a job finishes, POST to the URL it was given.

Off by default (unit tests poll); a standalone fake turns it on with `--callbacks`, so an
end-to-end test sees the webhook path work as in production: the fake finishes the job after its
`delay`, then sends the provider's own callback shape, signed the way that provider signs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import httpx

from tests.fakes.webhooks import TEST_SECRET

if TYPE_CHECKING:
    from tests.fakes.server import FakeJob

CALLBACK_TIMEOUT = 5.0
#: Never call back before the submit has been answered (and its job id saved).
MIN_DELAY = 0.2


class CallbackSender:
    """Mixin for FakeProvider: schedule and send one callback per finished job."""

    #: The Standard Webhooks secret the fake signs with (Replicate, OpenAI, Gemini).
    webhook_secret: str = TEST_SECRET

    def schedule_callback(self, job: FakeJob) -> None:
        if self.callbacks and self.callback_target(job):
            timer = threading.Timer(max(self.delay, MIN_DELAY), self.deliver, args=(job,))
            timer.daemon = True
            timer.start()

    def callback_target(self, job: FakeJob) -> str:
        """Return where this job's callback goes (the URL sent with it, by default)."""
        return job.extra.get("callback") or ""

    def deliver(self, job: FakeJob) -> None:
        """Send the job's callback; record the answer's status in `deliveries`."""
        phase = "canceled" if job.canceled else self.final_phase(job)
        try:
            headers, body = self.callback(job, phase)
            response = httpx.post(
                self.callback_target(job), content=body, headers=headers, timeout=CALLBACK_TIMEOUT
            )
            status: int | str = response.status_code
        except httpx.HTTPError as exc:
            status = f"error: {exc}"
        with self.lock:
            self.deliveries.append({"job": job.id, "phase": phase, "status": status})

    def final_phase(self, job: FakeJob) -> str:
        phases = {
            "job_failed": "failed",
            "job_failed_internal": "failed_internal",
            "no_output": "no_output",
        }
        return phases.get(job.fault, "succeeded")

    def callback(self, job: FakeJob, phase: str) -> tuple[dict[str, str], bytes]:
        """Return (headers, body) of the provider's callback for `job` ending in `phase`."""
        raise NotImplementedError(f"{type(self).__name__} sends no callbacks")
