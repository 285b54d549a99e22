"""Open data: every published run, clip by clip, streamed as CSV or JSON; the arena's votes.

Rows are read in chunks and written as they come, so memory stays flat however many runs are
published: each chunk is let go, and collected, before the next is read. Votes come from the
`arena` app when it is installed: every vote on public clips, counted or not (and why not), so
that `manage.py refit_from_export` recomputes the published ratings from this file alone. A vote
carries a voter hash salted once more for the export (it matches nothing stored or sent anywhere
else), never a session or an IP hash.
"""

import csv
import gc
import json
from collections import defaultdict
from itertools import islice

from django.apps import apps
from django.db.models import Count, OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.http import StreamingHttpResponse

from api.representations import generation_timings, iso, money, run_settings_json
from benchmarks.models import BenchmarkRun, Generation, GenerationEvent, VideoAsset
from benchmarks.services.requests import run_request
from comparisons.models import Comparison

CHUNK = 200
LICENSE = "CC BY 4.0"
#: Bumped whenever a column is added, removed or changes meaning; docs/api.md lists each version.
SCHEMA_VERSION = 3
CLIP_COLUMNS = [
    "schema_version",
    "run_id", "comparison", "published_at", "prompt_slug", "prompt_category", "prompt_text",
    "model", "model_name", "provider", "synthetic", "model_version", "generation_id", "state",
    "imported", "image_to_video", "duration", "aspect_ratio", "resolution", "seed",
    "audio", "camera", "camera_text", "end_frame", "samples", "sample", "has_audio",
    "request_sent",
    "cost_usd", "cost_basis", "billing_policy", "billed_cost_usd", "estimated_cost_usd",
    "attempts", "failed_attempts", "failed_attempts_cost_usd",
    "queue_wait_s", "provider_s", "download_s", "transcode_s", "scoring_s", "total_s",
    "submit_to_ready_s", "realtime_factor",
    "metrics_version", "mean_coherence", "min_coherence", "std_coherence", "frame_count",
    "flicker_score", "motion_mean", "frozen_fraction", "black_fraction", "sharpness",
    "loudness_lufs", "silence_fraction",
    "votes_won", "votes_lost", "votes_tied", "votes_both_bad",
]  # fmt: skip
METRICS = [
    "mean_coherence", "min_coherence", "std_coherence", "frame_count", "flicker_score",
    "motion_mean", "frozen_fraction", "black_fraction", "sharpness",
    "loudness_lufs", "silence_fraction",
]  # fmt: skip
#: Columns that belong to the run, not the clip: the JSON export puts them once per run.
RUN_LEVEL = ("schema_version", "run_id", "comparison", "published_at")
VOTE_COLUMNS = [
    "vote_id", "created_at", "date", "voter", "prompt_slug", "pool", "category",
    "generation_a", "generation_b", "model_a", "model_b", "outcome", "a_on_left",
    "counted", "reason",
]  # fmt: skip


def _exported_generations():
    """Return public generations with what a row shows loaded (GenerationQuerySet.public)."""
    requeues = GenerationEvent.objects.filter(details__has_key="spent").order_by("at", "pk")
    # The web tier is what visitors hear; its track was probed when it was stored.
    standard = VideoAsset.objects.filter(generation=OuterRef("pk"), tier=VideoAsset.Tier.STANDARD)
    return (
        Generation.objects.public()
        .annotate(has_audio=Subquery(standard.values("has_audio")[:1]))
        .select_related("video_model__provider", "quality_report")
        # The per-frame series is the bulky column; no row needs it.
        .defer("quality_report__series", "quality_report__flicker_spikes")
        .prefetch_related(
            "assets", Prefetch("events", queryset=requeues, to_attr="failed_attempts")
        )
        .order_by("pk")
    )


def published_comparisons():
    """Return published comparisons of runs, oldest first, with their prompt and run loaded
    (`clip_lookups` loads their clips, a chunk at a time)."""
    return (
        Comparison.objects.published()
        .filter(run__isnull=False)
        .select_related("run__prompt", "prompt")
        .order_by("published_at", "pk")
    )


def clip_lookups() -> list:
    """Return the prefetches that load a comparison's clips and its run's failures."""
    failed = _exported_generations().filter(state=Generation.State.FAILED)
    return [
        Prefetch("generations", queryset=_exported_generations()),
        Prefetch("run__generations", queryset=failed, to_attr="failures"),
    ]


def _cost_basis(generation: Generation) -> str:
    """Return "billed", "estimated", or "" when the cost is unknown."""
    if generation.actual_cost is not None:
        return "billed"
    return "estimated" if generation.estimated_cost is not None else ""


def _resolution_sent(run: BenchmarkRun, generation: Generation) -> str:
    """Return the resolution the provider was asked for ("" for an imported clip)."""
    if run.trigger == BenchmarkRun.Trigger.IMPORT:
        return ""
    return run_request(run, generation.video_model).resolution


def vote_model():
    """Return the arena's Vote model, or None while that app is not installed."""
    if not apps.is_installed("arena"):
        return None
    try:
        return apps.get_model("arena", "Vote")
    except LookupError:
        return None


def published_with_tallies():
    """Yield (comparison, tallies) for every published run, read CHUNK comparisons at a time
    with the vote tallies of that chunk's clips only.

    Memory stays flat however many runs are published: a chunk's rows point at each other
    (Django links a prefetched asset, event or report back to its clip, a run to its
    comparison), so reference counting never frees them, and by the time a chunk is done the
    cyclic collector has moved them to its oldest generation, which it seldom visits: without
    the explicit collection each chunk's rows stayed allocated for many chunks after. The
    chunk is dropped before the collection, and the next chunk read only after it.
    """
    comparisons = published_comparisons().iterator(chunk_size=CHUNK)
    while chunk := list(islice(comparisons, CHUNK)):
        prefetch_related_objects(chunk, *clip_lookups())
        tallies = vote_tallies([g.pk for c in chunk for g in c.generations.all()])
        for comparison in chunk:
            yield comparison, tallies
        del chunk, tallies, comparison
        gc.collect()


def vote_tallies(generation_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return, per generation id of `generation_ids`, its counted votes: won, lost, tied,
    both_bad."""
    Vote = vote_model()
    tallies: dict[int, dict[str, int]] = defaultdict(
        lambda: {"won": 0, "lost": 0, "tied": 0, "both_bad": 0}
    )
    if Vote is None:
        return tallies
    counted = Vote.objects.counted()
    for side, other in (("a", "b"), ("b", "a")):
        rows = (
            counted.filter(**{f"generation_{side}__in": generation_ids})
            .values(f"generation_{side}", "outcome")
            .annotate(n=Count("pk"))
        )
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
    imported = run.trigger == BenchmarkRun.Trigger.IMPORT
    failed_attempts = getattr(generation, "failed_attempts", [])
    record = {
        "schema_version": SCHEMA_VERSION,
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
        "state": generation.state,
        "imported": imported,
        "image_to_video": bool(run.prompt.reference_image),
        "duration": run.duration,
        "aspect_ratio": run.aspect_ratio,
        "resolution": _resolution_sent(run, generation),
        "seed": generation.seed,
        **run_settings_json(run),
        "sample": generation.sample,
        "has_audio": getattr(generation, "has_audio", None),
        "request_sent": generation.request_sent,
        "cost_usd": money(generation.cost),
        "cost_basis": _cost_basis(generation),
        "billing_policy": generation.billing_policy,
        "billed_cost_usd": money(generation.actual_cost),
        "estimated_cost_usd": money(generation.estimated_cost),
        "attempts": generation.attempts,
        "failed_attempts": len(failed_attempts),
        "failed_attempts_cost_usd": money(generation.prior_attempts_cost),
        # The JSON export only: each failed attempt the event log kept, and what it cost.
        "failed_attempt_list": [
            {
                "attempt": event.details.get("attempt"),
                "error_kind": event.details.get("error_kind", ""),
                "error_message": event.details.get("error_message", ""),
                "cost_usd": event.details.get("spent"),
                "request_sent": event.details.get("request_sent") or {},
            }
            for event in failed_attempts
        ],
        **{f"{name}_s": value for name, value in timings.items()},
        "realtime_factor": generation.realtime_factor,
        "metrics_version": report.algorithm_version if report else None,
        **{name: getattr(report, name) if report else None for name in METRICS},
        "votes_won": votes["won"],
        "votes_lost": votes["lost"],
        "votes_tied": votes["tied"],
        "votes_both_bad": votes["both_bad"],
    }
    return record


def _exported(comparison: Comparison) -> list[Generation]:
    """Return the comparison's clips, then its run's generations that failed (no clip)."""
    shown = list(comparison.generations.all())
    ids = {generation.pk for generation in shown}
    return shown + [g for g in comparison.run.failures if g.pk not in ids]


def iter_clip_records():
    """Yield (comparison, generation, record) for every generation of every published run."""
    for comparison, tallies in published_with_tallies():
        for generation in _exported(comparison):
            yield comparison, generation, clip_record(comparison, generation, tallies)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


#: A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """Return `value` for a CSV cell: empty for None (unknown), text that can't run as a formula.

    Text starting with a formula character gets a leading apostrophe, as OWASP recommends;
    numbers are written as they are (a negative number is data, not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_stream(columns, records):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for record in records:
        yield writer.writerow([csv_cell(record[c]) for c in columns])


def runs_csv_response() -> StreamingHttpResponse:
    records = (record for _, _, record in iter_clip_records())
    return _streaming(_csv_stream(CLIP_COLUMNS, records), "text/csv", "lockstep-runs.csv")


def runs_json_response() -> StreamingHttpResponse:
    return _streaming(_runs_json_stream(), "application/json", "lockstep-runs.json")


def _runs_json_stream():
    """Yield a JSON object {"license", "runs": [...]} one run at a time."""
    head = {
        "schema_version": SCHEMA_VERSION,
        "license": LICENSE,
        "votes_included": vote_model() is not None,
    }
    yield json.dumps(head)[:-1]
    yield ', "runs": ['
    first = True
    for comparison, tallies in published_with_tallies():
        run = comparison.run
        clips = [
            {
                key: value
                for key, value in clip_record(comparison, generation, tallies).items()
                if not key.startswith("prompt_") and key not in RUN_LEVEL
            }
            for generation in _exported(comparison)
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
    """Yield every vote on public clips, in the order ratings are fitted, counted or not."""
    Vote = vote_model()
    if Vote is None:
        return
    from arena.services import export_voter_hash

    votes = (
        Vote.objects.on_public_clips()
        .select_related("prompt", "model_a", "model_b")
        .order_by("created_at", "pk")
    )
    for vote in votes.iterator(chunk_size=1000):
        yield {
            "vote_id": vote.pk,
            "created_at": iso(vote.created_at),
            "date": vote.created_at.date().isoformat(),
            "voter": export_voter_hash(vote.voter_hash),
            "prompt_slug": vote.prompt.slug,
            "pool": vote.pool,
            "category": vote.category,
            "generation_a": vote.generation_a_id,
            "generation_b": vote.generation_b_id,
            "model_a": vote.model_a.slug,
            "model_b": vote.model_b.slug,
            "outcome": vote.outcome,
            "a_on_left": vote.a_on_left,
            "counted": not vote.voided,
            "reason": vote.reason,
        }


def _streaming(chunks, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response
