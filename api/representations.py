"""The JSON the API answers with: runs and generations as clients see them."""

from django.conf import settings

from benchmarks.models import BenchmarkRun, Generation, VideoAsset
from benchmarks.models.prompts import audio_flag

State = Generation.State

#: The pipeline's states in the API's words: `submitting` is still queued from the outside,
#: `needs_review` is a submission whose outcome staff are checking.
API_STATES = {
    State.QUEUED: "queued",
    State.SUBMITTING: "queued",
    State.SUBMITTED: "submitted",
    State.GENERATING: "generating",
    State.DOWNLOADING: "downloading",
    State.TRANSCODING: "transcoding",
    State.SCORING: "scoring",
    State.COMPLETE: "complete",
    State.FAILED: "failed",
    State.NEEDS_REVIEW: "submitted",
}
#: Progress at the start of each state; `generating` spreads the provider's own progress
#: between 10 and 70, because the provider's part is most of the wait.
PROGRESS = {
    State.QUEUED: 0,
    State.SUBMITTING: 2,
    State.SUBMITTED: 5,
    State.NEEDS_REVIEW: 5,
    State.GENERATING: 10,
    State.DOWNLOADING: 75,
    State.TRANSCODING: 85,
    State.SCORING: 95,
    State.COMPLETE: 100,
    State.FAILED: 100,
}
PUBLIC_TIERS = (VideoAsset.Tier.STANDARD, VideoAsset.Tier.PREVIEW, VideoAsset.Tier.POSTER)


def seconds(delta) -> float | None:
    return round(delta.total_seconds(), 3) if delta is not None else None


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def money(value) -> str | None:
    return f"{value:.4f}" if value is not None else None


def generation_progress(generation: Generation) -> int:
    """Return 0–100 from the state, and within `generating` from the provider's progress."""
    base = PROGRESS[generation.state]
    if generation.state == State.GENERATING and generation.progress is not None:
        fraction = min(max(generation.progress, 0.0), 1.0)
        return int(base + 60 * fraction)
    return base


def generation_timings(generation: Generation) -> dict:
    end = generation.completed_at or generation.failed_at
    return {
        "queue_wait": seconds(generation.queue_wait),
        "provider": seconds(generation.provider_time),
        "download": seconds(generation.download_time),
        "transcode": seconds(generation.transcode_time),
        "scoring": seconds(generation.scoring_time),
        "total": seconds(end - generation.queued_at) if end else None,
    }


def generation_json(generation: Generation, *, request=None) -> dict:
    """Return a generation as the API shows it (its assets should be prefetched)."""
    state = generation.state
    data = {
        "id": generation.pk,
        "run_id": generation.run_id,
        "model": generation.video_model.slug,
        "model_name": generation.video_model.display_name,
        "synthetic": generation.video_model.synthetic,
        "state": API_STATES[state],
        "progress": generation_progress(generation),
        "note": "",
        "model_version": generation.model_version,
        "sample": generation.sample,
        "seed": generation.seed,
        "cost_usd": money(generation.cost),
        "cost_is_estimate": generation.actual_cost is None,
        "timings": generation_timings(generation),
        "queued_at": iso(generation.queued_at),
        "finished_at": iso(generation.completed_at or generation.failed_at),
        "assets": {},
        "error": None,
    }
    if state == State.NEEDS_REVIEW:
        data["note"] = "Held for staff review: the provider may or may not have accepted the job."
    if state == State.COMPLETE:
        data["assets"] = {
            asset.tier: _absolute(asset.url, request)
            for asset in generation.assets.all()
            if asset.tier in PUBLIC_TIERS
        }
    if state == State.FAILED:
        data["error"] = {
            "kind": generation.error_kind or "unknown",
            "message": generation.error_message or generation.get_error_kind_display(),
        }
    return data


def run_settings_json(run: BenchmarkRun) -> dict:
    """Return the generation settings of `run` beyond duration, shape and seed."""
    return {
        "audio": audio_flag(run.audio),
        "camera": run.camera_motion,
        "camera_text": run.camera_text,
        "end_frame": bool(run.end_image),
        "samples": run.samples,
    }


def run_json(run: BenchmarkRun, *, request=None) -> dict:
    """Return a run and its generations (loaded with `with_generations()`)."""
    generations = list(run.generations.all())
    progress = (
        int(sum(generation_progress(g) for g in generations) / len(generations))
        if generations
        else 0
    )
    costs = [g.cost for g in generations if g.cost is not None]
    states = {API_STATES[g.state] for g in generations}
    return {
        "id": run.pk,
        "state": "running" if run.state == BenchmarkRun.State.RUNNING else run.state,
        "progress": progress,
        "prompt": {"slug": run.prompt.slug, "text": run.prompt.text},
        "duration": run.duration,
        "aspect_ratio": run.aspect_ratio,
        "resolution": run.resolution,
        "seed": run.seed,
        **run_settings_json(run),
        "created_at": iso(run.created_at),
        "finished_at": iso(run.finished_at),
        "wall_time": seconds(run.wall_time),
        "cost_usd": money(sum(costs)) if costs else None,
        "done": bool(generations) and states <= {"complete", "failed"},
        "generations": [generation_json(g, request=request) for g in generations],
    }


def _absolute(url: str, request) -> str:
    if "://" in url:
        return url
    if request is None:  # a callback: no request to take the host from
        return f"{settings.SITE_URL}{url}"
    return request.build_absolute_uri(url)
