"""A real worker process takes a 3-model run from queued to a published comparison page."""

import cv2
import numpy
import pytest
from django.core.files.storage import storages
from django.core.management import call_command

from benchmarks.models import BenchmarkRun, Generation, QualityReport, VideoAsset, VideoModel
from benchmarks.services.catalog import catalog_sync
from benchmarks.services.runs import run_start
from comparisons.services import comparison_publish
from tests.conftest import wait_for
from tests.factories import PromptFactory

MODELS = ["local-smooth", "local-flicker", "local-frozen"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_worker_takes_a_three_model_run_to_a_published_comparison(start_worker, client):
    catalog_sync()
    worker = start_worker()
    run = run_start(
        prompt=PromptFactory(duration=5),
        models=VideoModel.objects.filter(slug__in=MODELS),
        seed=3,
    )

    def finished():
        run.refresh_from_db()
        return run.state != BenchmarkRun.State.RUNNING

    wait_for(finished, timeout=240, interval=1, message="run did not finish:\n" + worker.output())
    states = dict(run.generations.values_list("video_model__slug", "state"))
    assert states == dict.fromkeys(MODELS, Generation.State.COMPLETE), worker.output()[-3000:]
    for generation in run.generations.all():
        tiers = set(generation.assets.values_list("tier", flat=True))
        assert tiers == {"original", "standard", "preview", "poster"}
        report = QualityReport.objects.get(generation=generation)
        assert 0 < report.mean_coherence <= 1
        assert generation.provider_job_id
        assert generation.request_sent
        assert generation.completed_at > generation.submitted_at
    assert run.finished_at is not None

    comparison = comparison_publish(run=run)
    page = client.get(comparison.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    for model in VideoModel.objects.filter(slug__in=MODELS):
        assert model.display_name in html
    assert html.count("<video") >= 3
    standard = VideoAsset.objects.filter(tier="standard").first()
    ranged = client.get(standard.url, HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206
    assert len(b"".join(ranged.streaming_content)) == 100

    # Publishing queued the share image (a 2x2 grid of the posters) on the worker's media queue.
    def share_image_made():
        comparison.refresh_from_db()
        return bool(comparison.share_image)

    wait_for(share_image_made, timeout=60, interval=0.5, message=worker.output()[-3000:])
    with storages["default"].open(comparison.share_image, "rb") as image:
        grid = cv2.imdecode(numpy.frombuffer(image.read(), numpy.uint8), cv2.IMREAD_COLOR)
    assert grid.shape == (630, 1200, 3)


@pytest.mark.django_db
@pytest.mark.services
def test_seed_demo_twice_creates_nothing_new(settings):
    call_command("seed_demo")
    counts = _counts()
    assert counts["comparisons"] == 1
    assert counts["generations"] >= 4

    call_command("seed_demo")

    assert _counts() == counts


def _counts():
    from benchmarks.models import Price, Prompt, Provider
    from comparisons.models import Comparison

    return {
        "providers": Provider.objects.count(),
        "models": VideoModel.objects.count(),
        "prices": Price.objects.count(),
        "prompts": Prompt.objects.count(),
        "runs": BenchmarkRun.objects.count(),
        "generations": Generation.objects.count(),
        "assets": VideoAsset.objects.count(),
        "comparisons": Comparison.objects.count(),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_seed_demo_in_the_background_returns_at_once_and_the_worker_publishes_the_demo(
    start_worker, client
):
    from django.core.cache import cache

    from comparisons.models import Comparison

    call_command("seed_demo", "--background")

    assert not Comparison.objects.exists()
    assert "The demo comparison is being prepared" in client.get("/").content.decode()

    start_worker()
    comparison = wait_for(
        lambda: Comparison.objects.filter(published=True, featured=True).first(),
        timeout=180,
        message="the worker did not publish the demo comparison",
    )
    cache.clear()  # the worker invalidated its own cache: tests give each process a local one
    home = client.get("/").content.decode()
    assert "being prepared" not in home
    assert comparison.get_absolute_url() in home
