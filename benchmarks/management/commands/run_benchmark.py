"""Start a benchmark run from the command line, and optionally watch it to the end."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoModel
from benchmarks.models.prompts import MAX_SAMPLES
from benchmarks.providers.base import CAMERA_MOVES
from benchmarks.services.requests import RunSettings
from benchmarks.services.runs import RunRefused, run_start

REFRESH_SECONDS = 1.0


class Command(BaseCommand):
    help = "Start a run of one prompt on several models; --wait shows progress until it ends."

    def add_arguments(self, parser):
        parser.add_argument("--prompt", required=True, help="Prompt slug.")
        parser.add_argument("--models", required=True, help="Comma-separated model slugs.")
        parser.add_argument("--seed", type=int, default=None, help="Seed of the first sample.")
        parser.add_argument(
            "--samples", type=int, default=None, help=f"Clips per model (1-{MAX_SAMPLES})."
        )
        parser.add_argument(
            "--audio",
            choices=["on", "off"],
            default=None,
            help="Sound (default: the prompt's).",
        )
        parser.add_argument(
            "--camera", choices=list(CAMERA_MOVES), default=None, help="Camera move."
        )
        parser.add_argument(
            "--camera-text", default=None, help="The provider's own camera instruction."
        )
        parser.add_argument("--key", default="", help="Idempotency key (same key, same run).")
        parser.add_argument("--wait", action="store_true", help="Show progress until the run ends.")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="Give up waiting after N s."
        )

    def handle(self, *args, prompt, models, seed, key, wait, timeout, **options):
        prompt_obj = Prompt.objects.filter(slug=prompt).first()
        if prompt_obj is None:
            raise CommandError(f"No prompt with slug {prompt!r}.")
        slugs = [s.strip() for s in models.split(",") if s.strip()]
        found = {m.slug: m for m in VideoModel.objects.filter(slug__in=slugs)}
        missing = [s for s in slugs if s not in found]
        if missing:
            raise CommandError(f"Unknown model(s): {', '.join(missing)}.")
        try:
            run = run_start(
                prompt=prompt_obj,
                models=[found[s] for s in slugs],
                idempotency_key=key,
                trigger=BenchmarkRun.Trigger.STAFF,
                settings=RunSettings.of(
                    prompt_obj,
                    seed=seed,
                    samples=options["samples"],
                    audio=options["audio"],
                    camera=options["camera"],
                    camera_text=options["camera_text"],
                ),
            )
        except RunRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Run #{run.pk} started ({len(slugs)} models).")
        if wait:
            self._watch(run, timeout)
            failed = run.generations.filter(state=Generation.State.FAILED).count()
            if failed:
                self.stderr.write(f"{failed} generation(s) failed.")
                sys.exit(1)

    def _watch(self, run: BenchmarkRun, timeout: float) -> None:
        """Redraw the table in place on a terminal; elsewhere (a log, CI) write one line per
        generation whose state changed, so the output holds each change once."""
        deadline = time.monotonic() + timeout
        tty = self.stdout.isatty()
        shown: list[str] = []
        while True:
            run.refresh_from_db()
            rows = self._rows(run)
            if tty:
                if shown:
                    self.stdout.write(f"\x1b[{len(shown)}F\x1b[J", ending="")
                self.stdout.write("\n".join(rows))
            else:
                for row in rows:
                    if row not in shown:
                        self.stdout.write(row)
            shown = rows
            if run.state != BenchmarkRun.State.RUNNING:
                self.stdout.write(f"Run #{run.pk} {run.state}.")
                return
            if time.monotonic() > deadline:
                raise CommandError(f"Run #{run.pk} still running after {timeout:.0f} s.")
            time.sleep(REFRESH_SECONDS)

    def _rows(self, run: BenchmarkRun) -> list[str]:
        rows = []
        for g in run.generations.select_related("video_model").order_by("video_model__slug"):
            bar = _bar(g)
            detail = g.error_message if g.state == Generation.State.FAILED else ""
            rows.append(f"  {g.video_model.slug:<24} {bar} {g.state:<12} {detail}".rstrip())
        return rows


STAGES = [s.value for s in Generation.State][:8]  # queued … complete


def _bar(generation: Generation, width: int = 20) -> str:
    done = (STAGES.index(generation.state) + 1) / len(STAGES) if generation.state in STAGES else 1.0
    filled = round(done * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"
