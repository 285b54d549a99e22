"""Import a clip made elsewhere (a model without an API) and run it through the media pipeline."""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.models import Prompt, VideoModel
from benchmarks.services.imports import ImportRefused, clip_import
from benchmarks.services.inline import drive_inline
from media_pipeline.errors import InvalidMedia


class Command(BaseCommand):
    help = "Import PATH as MODEL's clip for PROMPT: store, transcode and score it."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--model", required=True, help="Model slug.")
        parser.add_argument("--prompt", help="Prompt slug (not needed with --comparison).")
        parser.add_argument(
            "--comparison", help="Add the clip to this comparison (slug), next to its clips."
        )
        # Not --settings: manage.py reads that one itself, as the Django settings module.
        parser.add_argument(
            "--clip-settings",
            help='How the clip was made, as JSON: {"seed": 7, "audio": true, "camera": "orbit"}.',
        )
        parser.add_argument(
            "--cost",
            default="",
            help="What the clip cost in US dollars, if known; left out, its cost shows as unknown.",
        )
        parser.add_argument(
            "--queue", action="store_true", help="Leave transcoding to the workers; don't wait."
        )

    def handle(self, *args, path, model, prompt, cost, queue, **options):
        amount = _cost(cost)
        comparison = _comparison(options["comparison"])
        settings = _settings(options["clip_settings"])
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file.")
        video_model = VideoModel.objects.filter(slug=model).first()
        if video_model is None:
            raise CommandError(f"No model with slug {model!r}.")
        prompt_obj = Prompt.objects.filter(slug=prompt).first() if prompt else None
        if prompt and prompt_obj is None:
            raise CommandError(f"No prompt with slug {prompt!r}.")
        try:
            generation = clip_import(
                path=source,
                model=video_model,
                prompt=prompt_obj,
                cost=amount,
                dispatch=queue,
                comparison=comparison,
                settings=settings,
            )
        except InvalidMedia as exc:
            raise CommandError(f"{path}: {exc}") from None
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        if not queue and not generation.is_final:
            drive_inline({generation.pk: "transcode"})
        generation.refresh_from_db()
        self.stdout.write(
            f"Generation #{generation.pk} ({generation.state}) in run #{generation.run_id}."
        )
        if generation.state == generation.State.FAILED:
            raise CommandError(generation.error_message)


def _cost(raw: str) -> Decimal | None:
    """Return `--cost` as dollars (None when not given); refuse anything but a sum >= 0."""
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CommandError(f"--cost {raw!r} is not an amount in US dollars.") from None
    if not amount.is_finite() or amount < 0:
        raise CommandError(f"--cost {raw!r} is not an amount in US dollars.")
    return amount


def _comparison(slug: str | None):
    if not slug:
        return None
    from comparisons.models import Comparison

    comparison = Comparison.objects.select_related("run", "prompt").filter(slug=slug).first()
    if comparison is None:
        raise CommandError(f"No comparison with slug {slug!r}.")
    return comparison


def _settings(raw: str | None) -> dict | None:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise CommandError(f"--clip-settings is not valid JSON: {exc}") from None
