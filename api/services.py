"""Writes behind the API: submit a run (idempotently), with its prompt and callback."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from api.models import ApiToken, IdempotencyRecord, RunCallback
from api.validation import RunRequest, ValidationFailed, body_hash, run_settings, validate_run
from benchmarks.models import BenchmarkRun, Prompt
from benchmarks.services.runs import RunRefused, run_start

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class IdempotencyConflict(Exception):
    """The key was used before with a different body."""


def run_submit(
    *, token: ApiToken, data: dict, idempotency_key: str = ""
) -> tuple[BenchmarkRun, bool]:
    """Start the run `data` describes for the token's user; return (run, created).

    The same `idempotency_key` with the same body returns the first run; with another body it
    raises IdempotencyConflict. A refused run (ValidationFailed) stores nothing.
    """
    user = token.user
    digest = body_hash(data)
    if idempotency_key:
        replay = _replay(user, idempotency_key, digest)
        if replay:
            return replay, False
    request = validate_run(data)
    try:
        with transaction.atomic():
            run = _start(request, user=user, key=idempotency_key)
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    user=user, key=idempotency_key, body_hash=digest, run=run
                )
            if request.callback_url:
                RunCallback.objects.create(
                    run=run, url=request.callback_url, signing_secret=token.signing_secret
                )
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its run.
        replay = _replay(user, idempotency_key, digest) if idempotency_key else None
        if replay is None:
            raise
        return replay, False
    return run, True


def _replay(user, key: str, digest: str) -> BenchmarkRun | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).select_related("run").first()
    if record is None:
        return None
    if record.body_hash != digest:
        raise IdempotencyConflict(
            "This Idempotency-Key was used with a different body; use a new key for a new run."
        )
    return record.run


def _start(request: RunRequest, *, user, key: str) -> BenchmarkRun:
    prompt = request.prompt or _prompt_create(request)
    try:
        return run_start(
            prompt=prompt,
            models=request.models,
            trigger=BenchmarkRun.Trigger.API,
            requested_by=user,
            idempotency_key=f"api:{user.pk}:{key}" if key else "",
            settings=run_settings(request),
        )
    except RunRefused as exc:
        # The rows roll back with the transaction; the files on storage have to go by hand.
        if request.prompt is None:
            for image in (prompt.reference_image, prompt.end_image):
                if image:
                    image.delete(save=False)
        raise ValidationFailed({"run": str(exc)}) from exc


def _prompt_create(request: RunRequest) -> Prompt:
    """Create the unpublished prompt a run given as text is made from."""
    text = request.text
    # The title is the text on one line, cut to fit the 80 characters a title shows.
    title = " ".join(text.split())
    if len(title) > 80:
        title = title[:79].rstrip() + "…"
    prompt = Prompt(
        slug=f"api-{uuid.uuid4().hex[:16]}",
        title=title,
        text=text,
        negative_prompt=request.negative_prompt,
        category=request.category,
        duration=request.duration,
        aspect_ratio=request.aspect_ratio,
        audio=request.audio,
        camera_motion=request.camera,
        camera_text=request.camera_text,
        published=False,
        staff_notes="Submitted through the API.",
    )
    for field, image, image_type in (
        (prompt.reference_image, request.image, request.image_type),
        (prompt.end_image, request.end_image, request.end_image_type),
    ):
        if image:
            name = f"{hashlib.sha256(image).hexdigest()[:24]}.{EXTENSIONS[image_type]}"
            field.save(name, ContentFile(image), save=False)
    prompt.save()
    return prompt
