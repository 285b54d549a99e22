"""Fixtures for the public pages: an empty page cache per test and a catalog of any size."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from benchmarks.models import Generation, Prompt, QualityReport, VideoAsset
from comparisons.cache import clear_local
from comparisons.models import Comparison
from tests.factories import (
    ComparisonFactory,
    GenerationFactory,
    PriceFactory,
    PromptFactory,
    ProviderFactory,
    RunFactory,
    VideoModelFactory,
)

TIERS = ("standard", "preview", "poster")


@pytest.fixture(autouse=True)
def empty_page_cache():
    cache.clear()
    clear_local()
    yield
    cache.clear()
    clear_local()


def published_run(**fields):
    """Create a run with a published comparison: its generations are public."""
    run = RunFactory(**fields)
    ComparisonFactory(prompt=run.prompt, run=run)
    return run


def add_clip(run, model, *, coherence=0.9, seconds=40, cost="0.50", spikes=(1.25,), sample=0):
    """Create a completed generation of `model` in `run` with its files and quality report."""
    submitted = run.created_at + timedelta(seconds=5)
    generation = GenerationFactory(
        run=run,
        video_model=model,
        sample=sample,
        state=Generation.State.COMPLETE,
        submitted_at=submitted,
        downloading_at=submitted + timedelta(seconds=seconds),
        completed_at=submitted + timedelta(seconds=seconds + 10),
        estimated_cost=Decimal(cost),
        provider_job_id=f"job-{model.slug}-{run.pk}",
        model_version=f"{model.slug}-2026-01",
        seed=7,
        attempts=1,
        request_sent={"prompt": run.prompt.text, "duration": 5, "seed": 7},
    )
    VideoAsset.objects.bulk_create(
        VideoAsset(
            generation=generation,
            tier=tier,
            key=f"{tier}/{generation.pk}.{'jpg' if tier == 'poster' else 'mp4'}",
            content_type="image/jpeg" if tier == "poster" else "video/mp4",
            width=1280 if tier != "preview" else 854,
            height=720 if tier != "preview" else 480,
            fps=24,
            duration=5.0,
            sha256=f"{generation.pk:032x}{tier:0>32}"[:64],
        )
        for tier in TIERS
    )
    _join_comparison(generation)
    QualityReport.objects.create(
        generation=generation,
        algorithm_version="1",
        mean_coherence=coherence,
        min_coherence=coherence - 0.1,
        std_coherence=0.02,
        frame_count=24,
        flicker_score=0.4,
        flicker_spikes=list(spikes),
        motion_mean=3.5,
    )
    return generation


def add_failure(run, model, *, cost="0.50", sample=0):
    """Create a failed generation the provider accepted and billed (estimated) at `cost`.

    With no cost, the provider refused it at submit: no job id, nothing spent.
    """
    generation = GenerationFactory(
        run=run,
        video_model=model,
        sample=sample,
        state=Generation.State.FAILED,
        error_kind=Generation.ErrorKind.PERMANENT,
        estimated_cost=Decimal(cost) if cost else None,
        provider_job_id=f"job-failed-{model.slug}-{run.pk}" if cost else "",
    )
    _join_comparison(generation)
    return generation


def _join_comparison(generation) -> None:
    """Add `generation` to its run's comparison, if the run has one (what is public is what a
    published comparison shows: `Generation.objects.public()`)."""
    comparison = Comparison.objects.filter(run=generation.run_id).first()
    if comparison is not None:
        comparison.generations.add(generation)


def build_catalog(n: int, *, clips_per_run: int = 3):
    """Create `n` models, `n` prompts and `n` published runs (each with a few clips)."""
    provider = ProviderFactory(slug="acme", name="Acme Video")
    models = [
        VideoModelFactory(
            provider=provider, slug=f"model-{i}", display_name=f"Model {i:02d}", synthetic=False
        )
        for i in range(n)
    ]
    for model in models:
        PriceFactory(video_model=model, amount="0.10", valid_from=timezone.now() - timedelta(30))
    categories = Prompt.Category.values
    comparisons = []
    for i in range(n):
        prompt = PromptFactory(category=categories[i % len(categories)])
        run = RunFactory(
            prompt=prompt, state="complete", created_at=timezone.now() - timedelta(days=n - i)
        )
        generations = [
            add_clip(run, models[(i + k) % n], coherence=0.8 + 0.01 * k)
            for k in range(min(clips_per_run, n))
        ]
        comparison = ComparisonFactory(prompt=prompt, run=run, featured=i % 2 == 0)
        comparison.generations.set(generations)
        comparisons.append(comparison)
    return {"models": models, "comparisons": comparisons}


@pytest.fixture
def catalog():
    """A small catalog: 3 models, 3 prompts, 3 published runs."""
    return build_catalog(3)
