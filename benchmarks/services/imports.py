"""Import a clip made elsewhere into a run, through the same media steps as a generated one."""

from decimal import Decimal
from pathlib import Path

from django.db import transaction

from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoAsset, VideoModel
from benchmarks.services.assets import original_save
from media_pipeline.probe import probe, validate
from media_pipeline.storage import sha256_of, store_file


def clip_import(
    *,
    path: Path,
    model: VideoModel,
    prompt: Prompt,
    cost: Decimal | None = None,
    requested_by=None,
    dispatch: bool = True,
) -> Generation:
    """Probe, store and queue `path` as `model`'s clip for `prompt`; return the generation.

    `cost` is what staff paid for the clip, if they know it: it is recorded as billed and counts
    as spend; without it the clip's cost is unknown (never zero). The file is checked first
    (InvalidMedia says what is wrong, and nothing is stored). The same
    file imported again for the same model and prompt returns the generation made the first time.
    """
    info = probe(path)
    validate(info)
    sha256 = sha256_of(path)
    key = f"import:{sha256}:{model.slug}:{prompt.slug}"
    existing = Generation.objects.filter(run__idempotency_key=key).first()
    if existing:
        return existing
    storage_key, _ = store_file(path, tier=VideoAsset.Tier.ORIGINAL, sha256=sha256)
    with transaction.atomic():
        run = _import_run_create(key=key, prompt=prompt, requested_by=requested_by, info=info)
        generation = Generation.objects.create(
            run=run,
            video_model=model,
            request_sent={"imported_file": Path(path).name},
            actual_cost=cost,
        )
        original_save(generation, key=storage_key, sha256=sha256, info=info)
        generation.transition(
            Generation.State.TRANSCODING,
            reason=f"Imported {Path(path).name}",
            actor=requested_by.get_username() if requested_by else "import",
        )
        if dispatch:
            _transcode_on_commit(generation)
    return generation


def _import_run_create(*, key: str, prompt: Prompt, requested_by, info) -> BenchmarkRun:
    """Create the run an imported clip belongs to, lasting as long as the clip."""
    return BenchmarkRun.objects.create(
        prompt=prompt,
        trigger=BenchmarkRun.Trigger.IMPORT,
        requested_by=requested_by,
        idempotency_key=key,
        duration=round(info.duration) or prompt.duration,
        aspect_ratio=prompt.aspect_ratio,
    )


def _transcode_on_commit(generation: Generation) -> None:
    from benchmarks.tasks import transcode_generation

    transaction.on_commit(lambda: transcode_generation.delay(generation.pk))
