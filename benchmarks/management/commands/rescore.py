"""Recompute quality reports made by an older version of the metrics."""

from django.core.management.base import BaseCommand

from benchmarks.models import Generation
from benchmarks.services.pipeline import quality_report_rescore
from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics import ALGORITHM_VERSION

BAR_WIDTH = 30


class Command(BaseCommand):
    help = f"Rescore clips whose report predates metrics version {ALGORITHM_VERSION}."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rescore every completed clip.")

    def handle(self, *args, all, **options):
        generations = Generation.objects.filter(state=Generation.State.COMPLETE).select_related(
            "quality_report"
        )
        if not all:
            generations = generations.exclude(quality_report__algorithm_version=ALGORITHM_VERSION)
        todo = list(generations.order_by("pk"))
        failures = 0
        for done, generation in enumerate(todo, start=1):
            try:
                quality_report_rescore(generation)
            except InvalidMedia as exc:
                failures += 1
                self.stderr.write(f"\n#{generation.pk}: {exc}")
            self._progress(done, len(todo))
        self.stdout.write(
            f"\nRescored {len(todo) - failures} of {len(todo)} clip(s) with v{ALGORITHM_VERSION}."
        )

    def _progress(self, done: int, total: int) -> None:
        filled = round(BAR_WIDTH * done / total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stdout.flush()
