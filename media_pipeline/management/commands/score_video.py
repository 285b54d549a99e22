"""``manage.py score_video PATH``: print a clip's quality metrics."""

import json

from django.core.management.base import BaseCommand, CommandError

from media_pipeline.errors import InvalidMedia
from media_pipeline.metrics import score_video

SUMMARY_FIELDS = (
    "mean_coherence",
    "min_coherence",
    "std_coherence",
    "frame_count",
    "flicker_score",
    "motion_mean",
    "frozen_fraction",
    "black_fraction",
    "sharpness",
    "algorithm_version",
)


class Command(BaseCommand):
    requires_system_checks = []  # works on files only; no database or URLs involved
    help = "Score a video file: temporal coherence, flicker, motion, frozen/black frames."

    def add_arguments(self, parser):
        parser.add_argument("path", help="video file to score")
        parser.add_argument(
            "--sample-rate",
            type=int,
            default=5,
            help="sampled frames per second for coherence (default 5)",
        )
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object (with the per-frame series)"
        )

    def handle(self, *args, **options):
        if options["sample_rate"] < 1:
            raise CommandError("--sample-rate must be at least 1")
        try:
            scores = score_video(options["path"], sample_rate=options["sample_rate"])
        except InvalidMedia as exc:
            raise CommandError(f"{options['path']}: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(scores.as_dict()))
            return
        values = scores.as_dict()
        for name in SUMMARY_FIELDS:
            value = values[name]
            self.stdout.write(
                f"{name:17} {value:.4f}" if isinstance(value, float) else f"{name:17} {value}"
            )
        spikes = ", ".join(f"{t:.2f}s" for t in scores.flicker_spikes) or "none"
        self.stdout.write(f"{'flicker_spikes':17} {spikes}")
