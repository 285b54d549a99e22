"""Open data: every published run, clip by clip, streamed as CSV or JSON; anonymized votes.

Rows are read in chunks and written as they come, so memory stays flat however many runs are
published. Votes come from the `arena` app when it is installed; they carry no voter, session
or IP hash and only the day they were cast.
"""

import csv
import json
from collections import defaultdict

from django.apps import apps
from django.db.models import Count, Prefetch
from django.http import StreamingHttpResponse

from api.representations import generation_timings, iso, money, run_settings_json
from benchmarks.models import Generation
from comparisons.models import Comparison

CHUNK = 200
LICENSE = "CC BY 4.0"
CLIP_COLUMNS = [
    "run_id", "comparison", "published_at", "prompt_slug", "prompt_category", "prompt_text",
    "model", "model_name", "provider", "synthetic", "model_version", "generation_id",
    "duration", "aspect_ratio", "resolution", "seed",
    "audio", "camera", "camera_text", "end_frame", "samples", "sample",
    "cost_usd", "cost_is_estimate", "billing_policy",
    "queue_wait_s", "provider_s", "download_s", "transcode_s", "scoring_s", "total_s",
    "metrics_version", "mean_coherence", "min_coherence", "std_coherence", "frame_count",
    "flicker_score", "motion_mean", "frozen_fraction", "black_fraction", "sharpness",
    "votes_won", "votes_lost", "votes_tied", "votes_both_bad",
]  # fmt: skip
METRICS = [
    "mean_coherence", "min_coherence", "std_coherence", "frame_count", "flicker_score",
    "motion_mean", "frozen_fraction", "black_fraction", "sharpness",
]  # fmt: skip
#: Columns that belong to the run, not the clip: the JSON export puts them once per run.
RUN_LEVEL = ("run_id", "comparison", "published_at")
VOTE_COLUMNS = [
    "date", "prompt_slug", "pool", "category", "generation_a", "generation_b",
    "model_a", "model_b", "outcome", "a_on_left",
]  # fmt: skip


def published_comparisons():
    """Return published comparisons of runs with their clips, models and reports prefetched."""
    clips = (
        Generation.objects.select_related("video_model__provider", "quality_report")
        # The per-frame series and the request as sent are the bulky columns; no row needs them.
        .defer("request_sent", "quality_report__series", "quality_report__flicker_spikes")
        .order_by("pk")
    )
    return (
        Comparison.objects.published()
        .filter(run__isnull=False)
        .select_related("run", "prompt")
        .prefetch_related(Prefetch("generations", queryset=clips))
        .order_by("published_at", "pk")
    )


def vote_model():
    """Return the arena's Vote model, or None while that app is not installed."""
    if not apps.is_installed("arena"):
        return None
    try:
        return apps.get_model("arena", "Vote")
    except LookupError:
        return None


def vote_tallies() -> dict[int, dict[str, int]]:
    """Return, per generation id, its counted votes: won, lost, tied, both_bad."""
    Vote = vote_model()
    tallies: dict[int, dict[str, int]] = defaultdict(
        lambda: {"won": 0, "lost": 0, "tied": 0, "both_bad": 0}
    )
    if Vote is None:
        return tallies
    counted = Vote.objects.counted()
    for side, other in (("a", "b"), ("b", "a")):
        rows = counted.values(f"generation_{side}", "outcome").annotate(n=Count("pk"))
        for row in rows.order_by():
            tally = tallies[row[f"generation_{side}"]]
            outcome = row["outcome"]
            if outcome == side:
                tally["won"] += row["n"]
            elif outcome == other:
                tally["lost"] += row["n"]
            elif outcome == "tie":
                tally["tied"] += row["n"]
            else:
                tally["both_bad"] += row["n"]
    return tallies


def clip_record(comparison: Comparison, generation: Generation, tallies) -> dict:
    """Return one clip of a published run as a flat record."""
    run, prompt, model = comparison.run, comparison.prompt, generation.video_model
    timings = generation_timings(generation)
    report = getattr(generation, "quality_report", None)
    votes = tallies.get(generation.pk) or {"won": 0, "lost": 0, "tied": 0, "both_bad": 0}
    record = {
        "run_id": run.pk,
        "comparison": comparison.slug,
        "published_at": comparison.published_at.isoformat() if comparison.published_at else "",
        "prompt_slug": prompt.slug,
        "prompt_category": prompt.category,
        "prompt_text": prompt.text,
        "model": model.slug,
        "model_name": model.display_name,
        "provider": model.provider.name,
        "synthetic": model.synthetic,
        "model_version": generation.model_version,
        "generation_id": generation.pk,
        "duration": run.duration,
        "aspect_ratio": run.aspect_ratio,
        "resolution": run.resolution,
        "seed": generation.seed,
        **run_settings_json(run),
        "sample": generation.sample,
        "cost_usd": money(generation.cost),
        "cost_is_estimate": generation.actual_cost is None,
        "billing_policy": generation.billing_policy,
        **{f"{name}_s": value for name, value in timings.items()},
        "metrics_version": report.algorithm_version if report else None,
        **{name: getattr(report, name) if report else None for name in METRICS},
        "votes_won": votes["won"],
        "votes_lost": votes["lost"],
        "votes_tied": votes["tied"],
        "votes_both_bad": votes["both_bad"],
    }
    return record


def iter_clip_records():
    """Yield (comparison, generation, record) for every clip of every published run."""
    tallies = vote_tallies()
    for comparison in published_comparisons().iterator(chunk_size=CHUNK):
        for generation in comparison.generations.all():
            yield comparison, generation, clip_record(comparison, generation, tallies)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def _csv_stream(columns, records):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for record in records:
        yield writer.writerow(["" if record[c] is None else record[c] for c in columns])


def runs_csv_response() -> StreamingHttpResponse:
    records = (record for _, _, record in iter_clip_records())
    return _streaming(_csv_stream(CLIP_COLUMNS, records), "text/csv", "lockstep-runs.csv")


def runs_json_response() -> StreamingHttpResponse:
    return _streaming(_runs_json_stream(), "application/json", "lockstep-runs.json")


def _runs_json_stream():
    """Yield a JSON object {"license", "runs": [...]} one run at a time."""
    yield json.dumps({"license": LICENSE, "votes_included": vote_model() is not None})[:-1]
    yield ', "runs": ['
    tallies = vote_tallies()
    first = True
    for comparison in published_comparisons().iterator(chunk_size=CHUNK):
        run = comparison.run
        clips = [
            {
                key: value
                for key, value in clip_record(comparison, generation, tallies).items()
                if not key.startswith("prompt_") and key not in RUN_LEVEL
            }
            for generation in comparison.generations.all()
        ]
        item = {
            "run_id": run.pk,
            "comparison": comparison.slug,
            "published_at": iso(comparison.published_at),
            "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "prompt": {
                "slug": comparison.prompt.slug,
                "category": comparison.prompt.category,
                "text": comparison.prompt.text,
                "negative_prompt": comparison.prompt.negative_prompt,
            },
            "clips": clips,
        }
        yield ("" if first else ",") + json.dumps(item)
        first = False
    yield "]}"


def votes_csv_response() -> StreamingHttpResponse:
    return _streaming(_csv_stream(VOTE_COLUMNS, _vote_records()), "text/csv", "lockstep-votes.csv")


def _vote_records():
    """Yield counted votes on published clips, without anything that identifies a voter."""
    Vote = vote_model()
    if Vote is None:
        return
    published = Comparison.objects.published().values("generations")
    votes = (
        Vote.objects.counted()
        .filter(generation_a__in=published, generation_b__in=published)
        .select_related("prompt", "model_a", "model_b")
        .order_by("created_at", "pk")
    )
    for vote in votes.iterator(chunk_size=1000):
        yield {
            "date": vote.created_at.date().isoformat(),
            "prompt_slug": vote.prompt.slug,
            "pool": vote.pool,
            "category": vote.category,
            "generation_a": vote.generation_a_id,
            "generation_b": vote.generation_b_id,
            "model_a": vote.model_a.slug,
            "model_b": vote.model_b.slug,
            "outcome": vote.outcome,
            "a_on_left": vote.a_on_left,
        }


def _streaming(chunks, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response
