"""The built-in demo "models": procedural clips made on this machine, no API key needed.

They answer submit/poll/download like a real API (with a job store on disk and a simulated
generation time), so the whole pipeline runs end to end without any provider account. Every clip
is labeled synthetic: `synthetic = True` here, and "SYNTHETIC DEMO" burned into the picture.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from django.conf import settings

from benchmarks.providers import base
from benchmarks.providers.base import (
    BaseProvider,
    BillingPolicy,
    Capabilities,
    DefaultPrice,
    GenerationRequest,
    JobStatus,
    PermanentProviderError,
    PollResult,
    SubmitResult,
    stable_seed,
)
from benchmarks.providers.local import jobs
from benchmarks.providers.local.render import ClipSpec, render_clip

SIZES = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (960, 960)}
OUTPUT_SCHEME = "local:"
#: Share of the simulated generation time spent "in the queue" before RUNNING.
QUEUE_SHARE = 0.2
RENDERER_VERSION = "procedural-2"
#: Renderer versions that burned the model's name into the picture: the blind arena skips them.
NAMED_RENDERERS = ("procedural-1",)
DEMO_SOURCE = "demo figure for the built-in renderer, not a real price"


class LocalRenderer(BaseProvider):
    """A demo model rendered procedurally; subclasses pick the motion style."""

    provider_slug = "local"
    provider_name = "Lockstep demo renderer"
    # The demo renderer bills nothing.
    billing_policy = BillingPolicy.FAILURES_FREE
    synthetic = True
    poll_interval = 1.0
    capabilities = Capabilities(
        text_to_video=True,
        # Sound by default; "audio off" renders a clip with no sound track.
        audio=True,
        seed=True,
        durations=(5, 8),
        resolutions=("720p",),
        aspect_ratios=tuple(SIZES),
    )
    #: Motion style passed to the renderer.
    style: ClassVar[str] = "smooth"
    #: Simulated seconds at the "provider" before the clip is ready (times LOCAL_PROVIDER_SPEED).
    generation_seconds: ClassVar[float] = 3.0

    def submit(self, request: GenerationRequest) -> SubmitResult:
        """Record the job on disk and return its id; rendering waits for download()."""
        self.validate(request)
        job = {
            "id": jobs.new_job_id(),
            "key": self.key,
            "style": self.style,
            "request": asdict(request),
            "reference": request.reference,
            "created_at": time.time(),
            "generation_seconds": self.generation_seconds * _speed_factor(),
            "canceled": False,
        }
        jobs.save_job(job)
        return SubmitResult(
            job_id=job["id"], request_sent=job["request"], model_version=self.model_version()
        )

    def poll(self, job_id: str) -> PollResult:
        """Report the job's progress against its simulated generation time."""
        job = self._job(job_id)
        if job["canceled"]:
            return PollResult(status=JobStatus.CANCELED, raw=job)
        total = job["generation_seconds"]
        elapsed = time.time() - job["created_at"]
        if elapsed >= total:
            return PollResult(
                status=JobStatus.SUCCEEDED,
                progress=1.0,
                output_url=OUTPUT_SCHEME + job_id,
                model_version=self.model_version(),
                raw=job,
            )
        remaining = max(total - elapsed, 0.05)
        if elapsed < total * QUEUE_SHARE:
            return PollResult(status=JobStatus.PENDING, progress=0.0, poll_after=remaining, raw=job)
        progress = (elapsed - total * QUEUE_SHARE) / (total * (1 - QUEUE_SHARE))
        return PollResult(
            status=JobStatus.RUNNING, progress=round(progress, 3), poll_after=remaining, raw=job
        )

    def download(self, poll: PollResult, dest: BinaryIO) -> int:
        """Render the finished job's clip and stream it into `dest`; return the byte count."""
        if not poll.output_url.startswith(OUTPUT_SCHEME):
            raise PermanentProviderError("The demo renderer's output reference is missing.")
        job = self._job(poll.output_url.removeprefix(OUTPUT_SCHEME))
        with tempfile.TemporaryDirectory(prefix="lockstep-local-") as tmp:
            path = Path(tmp) / "clip.mp4"
            render_clip(self.clip_spec(GenerationRequest(**job["request"])), path)
            with path.open("rb") as clip:
                shutil.copyfileobj(clip, dest, base.DOWNLOAD_CHUNK)
            return path.stat().st_size

    def cancel(self, job_id: str) -> None:
        """Mark the job canceled; a later poll reports CANCELED."""
        job = self._job(job_id)
        job["canceled"] = True
        jobs.save_job(job)

    def find_job(self, reference: str) -> str | None:
        """Return the job submitted with our `reference`, searching the job store."""
        return jobs.find_by_reference(reference) if reference else None

    def clip_spec(self, request: GenerationRequest) -> ClipSpec:
        """Return what to render for `request`: deterministic from prompt, model and seed."""
        width, height = SIZES[request.aspect_ratio]
        seed = "" if request.seed is None else str(request.seed)
        return ClipSpec(
            prompt=request.prompt,
            style=self.style,
            seed=stable_seed(request.prompt, self.key, seed),
            width=width,
            height=height,
            duration=request.duration,
            audio=request.audio is not False,
        )

    def model_version(self) -> str:
        return f"{self.model_id}@{RENDERER_VERSION}"

    def _job(self, job_id: str) -> dict[str, Any]:
        try:
            return jobs.load_job(job_id)
        except KeyError:
            raise PermanentProviderError(f"The demo renderer has no job {job_id!r}.") from None


def _speed_factor() -> float:
    """Return the LOCAL_PROVIDER_SPEED factor: 1.0 real-ish waits, 0 instant (tests)."""
    return max(float(getattr(settings, "LOCAL_PROVIDER_SPEED", 1.0)), 0.0)


class LocalSmooth(LocalRenderer):
    model_id = "demo-smooth"
    display_name = "Demo Smooth"
    style = "smooth"
    generation_seconds = 4.0
    default_price = DefaultPrice(amount=Decimal("0.05"), source=DEMO_SOURCE)


class LocalFlicker(LocalRenderer):
    model_id = "demo-flicker"
    display_name = "Demo Flicker"
    style = "flicker"
    generation_seconds = 3.0
    default_price = DefaultPrice(amount=Decimal("0.03"), source=DEMO_SOURCE)


class LocalFrozen(LocalRenderer):
    model_id = "demo-frozen"
    display_name = "Demo Frozen"
    style = "frozen"
    generation_seconds = 2.0
    default_price = DefaultPrice(amount=Decimal("0.02"), source=DEMO_SOURCE)


class LocalJerky(LocalRenderer):
    model_id = "demo-jerky"
    display_name = "Demo Jerky"
    style = "jerky"
    generation_seconds = 5.0
    default_price = DefaultPrice(amount=Decimal("0.04"), source=DEMO_SOURCE)
