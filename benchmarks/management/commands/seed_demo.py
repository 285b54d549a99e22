"""Create demo catalog, prompts and one published comparison made by the local plugin."""

from django.core.management.base import BaseCommand
from django.db import transaction

from benchmarks.demo import DEMO_MODELS, DEMO_PROMPTS
from benchmarks.models import BenchmarkRun, Generation, Prompt, Tag, VideoModel
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.inline import drive_inline
from benchmarks.services.pipeline import resume_step
from benchmarks.services.runs import run_start
from comparisons.services import comparison_publish


class Command(BaseCommand):
    help = (
        "Create demo providers, models, prices and prompts, run a benchmark on the synthetic "
        "local models through the pipeline (in this process, or in the worker with --background) "
        "and publish it. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--runs", type=int, default=1, help="How many demo prompts to benchmark (default 1)."
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the demo clips for the Celery worker and return at once; the comparison "
            "is published when they are done (what `make run` does).",
        )

    def handle(self, *args, runs, background, **options):
        catalog_sync()
        prompts = [self._prompt(spec) for spec in DEMO_PROMPTS]
        models = list(VideoModel.objects.filter(slug__in=DEMO_MODELS))
        for prompt in prompts[: max(runs, 0)]:
            run = run_start(
                prompt=prompt,
                models=models,
                trigger=BenchmarkRun.Trigger.DEMO,
                idempotency_key=f"demo:{prompt.slug}",
                seed=7,
                dispatch=background,
            )
            if not background:
                self._finish(run)
            elif run.state == BenchmarkRun.State.RUNNING:
                self.stdout.write(f"Demo clips for “{prompt}” are rendering in the worker.")
                continue
            comparison = comparison_publish(run=run, featured=True)
            self.stdout.write(f"Published {comparison.get_absolute_url()}")

    @transaction.atomic
    def _prompt(self, spec) -> Prompt:
        prompt, _ = Prompt.objects.get_or_create(
            slug=spec["slug"],
            defaults={k: spec[k] for k in ("title", "category", "text")},
        )
        for name in spec["tags"]:
            prompt.tags.add(Tag.objects.get_or_create(name=name)[0])
        return prompt

    def _finish(self, run: BenchmarkRun) -> None:
        """Drive every unfinished generation of `run` to its end."""
        steps = {}
        for generation in run.generations.exclude(state__in=Generation.FINAL_STATES):
            first = (
                "submit"
                if generation.state == Generation.State.QUEUED
                else resume_step(generation).step
            )
            if first:
                steps[generation.pk] = first
        if not steps:
            return
        self.stdout.write(f"Rendering {len(steps)} synthetic clip(s) for “{run.prompt}”…")
        drive_inline(steps, on_step=lambda pk, step: self.stdout.write(f"  #{pk} {step}"))
