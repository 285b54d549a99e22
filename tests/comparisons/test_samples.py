"""Several samples per model: the comparison page shows sample k of every model, each model's
usable rate and spread, and the real cost per usable clip counts every sample paid for."""

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from benchmarks.admin import GenerationAdmin
from benchmarks.models import Generation, QualityReport
from comparisons.filters import ClipFilter
from comparisons.services import comparison_publish
from comparisons.stats import leaderboard
from tests.comparisons.conftest import add_clip, add_failure
from tests.factories import PromptFactory, RunFactory, UserFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sampled(db):
    """Two models, three samples each: model A has one frozen sample, model B one failure."""
    run = RunFactory(prompt=PromptFactory(title="Kite"), samples=3, state="complete")
    a = VideoModelFactory(slug="model-a", display_name="Model A")
    b = VideoModelFactory(slug="model-b", display_name="Model B")
    clips = {}
    for k, coherence in enumerate((0.80, 0.90, 0.85)):
        clips["a", k] = add_clip(run, a, coherence=coherence, cost="0.50", sample=k)
    QualityReport.objects.filter(generation=clips["a", 2]).update(frozen_fraction=0.9)
    for k in range(2):
        clips["b", k] = add_clip(run, b, coherence=0.7, cost="1.00", sample=k)
    add_failure(run, b, cost="1.00", sample=2)
    comparison = comparison_publish(run=run)
    return comparison, clips


def test_the_page_shows_sample_k_of_every_model_and_links_to_the_others(client, sampled):
    comparison, clips = sampled
    first = client.get(comparison.get_absolute_url()).content.decode()
    second = client.get(comparison.get_absolute_url() + "?sample=1").content.decode()

    assert f'data-clip-id="g{clips["a", 0].pk}"' in first
    assert f'data-clip-id="g{clips["a", 1].pk}"' not in first
    assert f'data-clip-id="g{clips["a", 1].pk}"' in second
    assert f'data-clip-id="g{clips["b", 1].pk}"' in second
    assert 'href="?sample=2"' in second
    assert "Sample</dt><dd>2 of 3" in second


def test_a_sample_out_of_range_shows_the_first(client, sampled):
    comparison, clips = sampled
    page = client.get(comparison.get_absolute_url() + "?sample=9").content.decode()
    assert f'data-clip-id="g{clips["a", 0].pk}"' in page


def test_each_model_shows_its_usable_rate_spread_and_real_cost_per_usable_clip(client, sampled):
    comparison, _ = sampled
    page = client.get(comparison.get_absolute_url()).content.decode()

    row_a = page.split('data-model="model-a"')[1].split("</tr>")[0]
    row_b = page.split('data-model="model-b"')[1].split("</tr>")[0]
    assert "2 of 3 (67 %)" in row_a  # the frozen sample is not usable
    assert "0.800–0.900" in row_a
    assert "$0.75" in row_a  # $1.50 for three samples / 2 usable
    assert "2 of 3 (67 %)" in row_b  # the failed sample is not usable
    assert "$1.50" in row_b  # $3.00, the failed sample included / 2 usable


def test_staff_tag_a_clip_unusable_and_it_stops_counting(client, sampled):
    _, clips = sampled
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    admin = GenerationAdmin(Generation, admin_site)

    admin.tag_unusable(request, Generation.objects.filter(pk=clips["a", 0].pk))

    generation = Generation.objects.get(pk=clips["a", 0].pk)
    assert generation.tagged_unusable
    assert not generation.is_usable
    assert generation.events.filter(reason="Tagged unusable").exists()
    row = next(r for r in leaderboard(ClipFilter()) if r.model.slug == "model-a")
    assert (row.usable, row.ended) == (1, 3)
    assert row.real_cost_per_clip == Decimal("1.50")


def test_mostly_black_clips_are_not_usable(sampled):
    _, clips = sampled
    QualityReport.objects.filter(generation=clips["b", 0]).update(black_fraction=0.6)
    row = next(r for r in leaderboard(ClipFilter()) if r.model.slug == "model-b")
    assert (row.usable, row.ended, row.usable_rate) == (1, 3, 1 / 3)
    assert row.real_cost_per_clip == Decimal("3.00")
