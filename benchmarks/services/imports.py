"""Import a clip made elsewhere into a run, through the same media steps as a generated one.

An import either becomes its own one-clip run, or joins an existing comparison: it is added to
that comparison's run (as the model's next sample) with the settings the person used, and shows
on the comparison page once transcoded and scored.
"""

from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoAsset, VideoModel
from benchmarks.services.assets import original_save
from media_pipeline.probe import probe, validate
from media_pipeline.storage import sha256_of, store_file

#: The settings an imported clip may say it was made with: name -> accepted types.
IMPORT_SETTINGS = {
    "duration": (int, float),
    "aspect_ratio": (str,),
    "resolution": (str,),
    "seed": (int,),
    "audio": (bool,),
    "camera": (str,),
    "camera_text": (str,),
    "negative_prompt": (str,),
    "end_frame": (bool,),
}


class ImportRefused(Exception):
    """The import can't be done as asked; the message says why."""


def import_settings_clean(settings) -> dict:
    """Return the settings an import says it was made with, or raise ImportRefused."""
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise ImportRefused('The settings must be a JSON object, e.g. {"seed": 7}.')
    unknown = sorted(set(settings) - set(IMPORT_SETTINGS))
    if unknown:
        raise ImportRefused(
            f"Unknown settings: {', '.join(unknown)}; known: {', '.join(IMPORT_SETTINGS)}."
        )
    for name, value in settings.items():
        types = IMPORT_SETTINGS[name]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ImportRefused(f"The setting {name} has the wrong type ({value!r}).")
    return settings


def clip_import(
    *,
    path: Path,
    model: VideoModel,
    prompt: Prompt | None = None,
    cost: Decimal | None = None,
    requested_by=None,
    dispatch: bool = True,
    comparison=None,
    settings: dict | None = None,
) -> Generation:
    """Probe, store and queue `path` as `model`'s clip for `prompt`; return the generation.

    With `comparison`, the clip joins that comparison's run (its prompt) as the model's next
    sample and shows on its page once scored; `settings` record how the clip was made. `cost` is
    what staff paid for the clip, if they know it: it is recorded as billed and counts as spend;
    without it the clip's cost is unknown (never zero). The file is checked first (InvalidMedia
    says what is wrong, and nothing is stored). The same file imported again for the same model
    and prompt (or comparison) returns the generation made the first time.
    """
    settings = import_settings_clean(settings)
    if comparison is not None:
        if comparison.run is None:
            raise ImportRefused(f"Comparison {comparison.slug} has no run to add a clip to.")
        prompt = comparison.prompt
    if prompt is None:
        raise ImportRefused("Name the prompt (or the comparison) the clip was made for.")
    info = probe(path)
    validate(info)
    sha256 = sha256_of(path)
    key = f"import:{sha256}:{model.slug}:{prompt.slug}"
    if comparison is not None:
        key += f":{comparison.slug}"
        existing = Generation.objects.filter(request_sent__import_key=key).first()
    else:
        existing = Generation.objects.filter(run__idempotency_key=key).first()
    if existing:
        return existing
    storage_key, _ = store_file(path, tier=VideoAsset.Tier.ORIGINAL, sha256=sha256)
    sent = {"imported_file": Path(path).name, "import_key": key}
    if settings:
        sent["settings"] = settings
    with transaction.atomic():
        if comparison is None:
            # A run of its own, as long as the clip; a re-import finds it by its idempotency key.
            run = BenchmarkRun.objects.create(
                prompt=prompt,
                trigger=BenchmarkRun.Trigger.IMPORT,
                requested_by=requested_by,
                idempotency_key=key,
                duration=round(info.duration) or prompt.duration,
                aspect_ratio=prompt.aspect_ratio,
            )
            sample = 0
        else:
            run, sample = comparison.run, _next_sample(comparison.run, model)
            sent["comparison"] = comparison.slug
        generation = Generation.objects.create(
            run=run,
            video_model=model,
            sample=sample,
            seed=settings.get("seed"),
            request_sent=sent,
            actual_cost=cost,
        )
        original_save(generation, key=storage_key, sha256=sha256, info=info)
        generation.transition(
            Generation.State.TRANSCODING,
            reason=f"Imported {Path(path).name}",
            actor=requested_by.get_username() if requested_by else "import",
        )
        if dispatch:
            from benchmarks.tasks import step_queue

            step_queue("transcode", generation_id=generation.pk, run_id=generation.run_id)
    return generation


def _next_sample(run: BenchmarkRun, model: VideoModel) -> int:
    """Return the model's next free sample number in `run`, widening the run's samples to it."""
    taken = run.generations.filter(video_model=model).aggregate(last=Max("sample"))["last"]
    sample = 0 if taken is None else taken + 1
    if sample >= run.samples:
        BenchmarkRun.objects.filter(pk=run.pk).update(samples=sample + 1)
        run.samples = sample + 1
    return sample
