"""Re-benchmark two demo prompts once, through the real pipeline, so the screenshots show
"then vs now". Run it with `manage.py shell < docs/screenshots/rebench.py` after `seed_demo`."""

from benchmarks.demo import DEMO_MODELS
from benchmarks.models import BenchmarkRun, Prompt, VideoModel
from benchmarks.services.inline import drive_inline
from benchmarks.services.runs import run_refresh, run_start
from comparisons.services import comparison_publish

models = list(VideoModel.objects.filter(slug__in=DEMO_MODELS))
for prompt in Prompt.objects.filter(slug__in=["lighthouse-storm", "dancer-in-studio"]):
    run = run_start(
        prompt=prompt,
        models=models,
        trigger=BenchmarkRun.Trigger.SCHEDULE,
        idempotency_key=f"shots-rebench:{prompt.slug}",
        seed=11,
        dispatch=False,
    )
    drive_inline({g.pk: "submit" for g in run.generations.filter(state="queued")})
    run_refresh(run.pk)
    print(comparison_publish(run=run).get_absolute_url())
