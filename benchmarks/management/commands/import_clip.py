"""Import a clip made elsewhere (a model without an API) and run it through the media pipeline."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.models import Prompt, VideoModel
from benchmarks.services.imports import clip_import
from benchmarks.services.inline import drive_inline
from media_pipeline.errors import InvalidMedia


class Command(BaseCommand):
    help = "Import PATH as MODEL's clip for PROMPT: store, transcode and score it."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--model", required=True, help="Model slug.")
        parser.add_argument("--prompt", required=True, help="Prompt slug.")
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
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file.")
        video_model = VideoModel.objects.filter(slug=model).first()
        if video_model is None:
            raise CommandError(f"No model with slug {model!r}.")
        prompt_obj = Prompt.objects.filter(slug=prompt).first()
        if prompt_obj is None:
            raise CommandError(f"No prompt with slug {prompt!r}.")
        try:
            generation = clip_import(
                path=source, model=video_model, prompt=prompt_obj, cost=amount, dispatch=queue
            )
        except InvalidMedia as exc:
            raise CommandError(f"{path}: {exc}") from None
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
