"""The break-even calculator: its numbers for known inputs, seed 002, measured data, the page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from benchmarks.models import Generation
from comparisons import breakeven
from comparisons.breakeven import ON_DEMAND, Scenario
from tests.comparisons.conftest import add_clip, published_run
from tests.factories import (
    PriceFactory,
    PromptFactory,
    ProviderFactory,
    RunFactory,
    SelfHostedEndpointFactory,
    VideoModelFactory,
)

#: $0.50 API clips against one GPU at $2/hour taking 6 minutes a clip: $0.20 of GPU time a clip.
KNOWN = Scenario(
    api_cost_per_clip=Decimal("0.50"),
    gpu_hour_price=Decimal("2"),
    gpus=1,
    minutes_per_clip=Decimal("6"),
    monthly_volume=3000,
)


def test_reserved_gpus_break_even_when_the_api_bill_reaches_one_box_month():
    result = breakeven.outcome(KNOWN)

    assert result.box_month == Decimal("1460.00")  # 1 GPU × $2 × 730 h
    assert result.clips_per_box_month == 7300  # 730 h × 10 clips an hour
    assert result.break_even == 2920  # $1460 ÷ $0.50
    assert result.api_monthly == Decimal("1500.00")
    assert result.selfhost_monthly == Decimal("1460.00")
    assert result.cheaper == "self-hosted"


def test_a_volume_past_one_box_needs_a_second_box():
    assert breakeven.boxes_for(KNOWN, 7300) == 1
    assert breakeven.boxes_for(KNOWN, 7301) == 2
    assert breakeven.selfhost_monthly(KNOWN, 7301) == Decimal("2920")


def test_on_demand_gpus_break_even_on_the_fixed_cost_alone():
    scenario = Scenario(**{**KNOWN.__dict__, "billing": ON_DEMAND, "fixed_monthly": Decimal(300)})

    assert breakeven.break_even(scenario) == 1000  # $300 ÷ ($0.50 − $0.20)
    assert breakeven.selfhost_monthly(scenario, 1000) == Decimal("500.0")
    assert breakeven.api_monthly(scenario, 1000) == Decimal("500.00")


def test_usable_rates_raise_the_cost_of_a_usable_clip_on_both_sides():
    scenario = Scenario(
        **{
            **KNOWN.__dict__,
            "api_usable_rate": Decimal("0.5"),
            "selfhost_usable_rate": Decimal("0.8"),
        }
    )
    result = breakeven.outcome(scenario)

    assert result.api_per_usable_clip == Decimal("1.00")
    assert result.selfhost_gpu_cost_per_usable_clip == Decimal("0.25")  # 6 min ÷ 0.8 at $2/h
    assert result.break_even == 1460  # $1460 ÷ $1.00


def test_a_measured_real_cost_replaces_price_over_usable_rate():
    scenario = Scenario(**{**KNOWN.__dict__, "api_real_cost_per_usable_clip": Decimal("0.73")})
    assert breakeven.api_per_usable_clip(scenario) == Decimal("0.73")


def test_gpu_time_dearer_than_the_api_never_breaks_even():
    scenario = Scenario(**{**KNOWN.__dict__, "api_cost_per_clip": Decimal("0.20")})
    assert breakeven.break_even(scenario) is None


def test_erlang_c_gives_the_textbook_queue_for_two_servers_at_half_load():
    # M/M/2 with 1 erlang offered: P(wait) = 1/3, mean queue = 1/3.
    assert breakeven._mean_queue(2, 1.0) == pytest.approx(1 / 3)


def test_the_queue_depth_rule_picks_the_fewest_boxes_keeping_the_mean_queue_at_five():
    scenario = Scenario(**{**KNOWN.__dict__, "minutes_per_clip": Decimal(10)})
    boxes, wait = breakeven.boxes_for_peak(scenario, Decimal(60))  # 10 erlangs

    assert breakeven._mean_queue(boxes, 10.0) <= 5
    assert breakeven._mean_queue(boxes - 1, 10.0) > 5
    assert boxes == 12  # 11 boxes at 91 % load leave a mean queue of 6.8
    assert wait is not None
    assert breakeven.outcome(Scenario(**{**scenario.__dict__, "peak_per_hour": Decimal(60),
                                         "gpus": 4})).gpus_for_peak == 48  # fmt: skip


def test_seed_002s_example_does_not_break_even_at_500_videos():
    result = breakeven.outcome(breakeven.seed_002())

    assert result.api_monthly == Decimal("150.00")  # 500 × $0.30
    assert result.selfhost_monthly == Decimal("8000.00")  # 8 × A100 for a month
    assert result.selfhost_gpu_cost_per_usable_clip.quantize(Decimal("0.01")) == Decimal("1.83")
    assert result.clips_per_box_month == 4380  # 730 h × 6 videos an hour
    assert result.break_even is None


@pytest.mark.django_db
def test_the_page_without_javascript_shows_seed_002_and_says_our_formula_disagrees(client):
    response = client.get(reverse("comparisons:breakeven"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="api-monthly">$150.00<' in page
    assert 'data-figure="selfhost-monthly">$8,000.00<' in page
    assert "Our formula does not agree with seed 002." in page
    assert "$16.00 API video" in page
    assert "<script>" not in page  # CSP: the live update is a static module


@pytest.mark.django_db
def test_the_form_recalculates_from_the_visitors_numbers(client):
    query = {"api_cost_per_clip": "0.50", "gpu_hour_price": "2", "gpus": "1",
             "minutes_per_clip": "6", "monthly_volume": "3000", "billing": "reserved"}  # fmt: skip
    page = client.get(reverse("comparisons:breakeven"), query).content.decode()

    assert 'data-figure="break-even">2920 clips a month<' in page
    assert 'data-figure="selfhost-monthly">$1,460.00<' in page
    assert "your number" in page


@pytest.mark.django_db
def test_chosen_models_bring_their_measured_time_usable_rate_and_endpoint(client):
    endpoint = SelfHostedEndpointFactory(gpu_hour_price="3.00", gpu_count=2)
    own = VideoModelFactory(
        slug="wan-box", plugin_key="comfyui", synthetic=False, endpoint=endpoint,
        provider=ProviderFactory(slug="self-hosted"),
    )  # fmt: skip
    api = VideoModelFactory(slug="api-model", plugin_key="runway-gen4-5", synthetic=False)
    PriceFactory(video_model=api, amount="0.10")  # per second
    run = published_run(prompt=PromptFactory(published=True), duration=5)
    add_clip(run, own, seconds=150, cost="0.25")  # 150 s for 5 s of video: 30 s per second
    failed = add_clip(published_run(prompt=run.prompt, duration=5), own, seconds=150, cost="0.25")
    Generation.objects.filter(pk=failed.pk).update(state=Generation.State.FAILED)
    add_clip(run, api, seconds=40, cost="0.50")

    query = {"api_model": api.pk, "selfhost_model": own.pk, "clip_seconds": 10}
    response = client.get(reverse("comparisons:breakeven"), query)

    scenario, sources = response.context["scenario"], response.context["sources"]
    assert scenario.minutes_per_clip == Decimal("5.00")  # 30 s × 10 s of video
    assert sources["minutes_per_clip"] == "measured over 1 clips"
    assert scenario.selfhost_usable_rate == Decimal("0.5")
    assert (scenario.gpu_hour_price, scenario.gpus) == (Decimal("3.00"), 2)
    assert sources["gpus"] == f"endpoint {endpoint}"
    assert scenario.api_cost_per_clip == Decimal("1.0000")  # list price: $0.10 × 10 s
    assert scenario.api_real_cost_per_usable_clip == Decimal("1.00")  # $0.50 for 5 s, × 10 s
    assert response.context["result"].api_per_usable_clip == Decimal("1.00")


@pytest.mark.django_db
def test_measured_figures_come_from_public_usable_clips_only(client):
    own = VideoModelFactory(
        slug="wan-box", plugin_key="comfyui", synthetic=False,
        endpoint=SelfHostedEndpointFactory(),
    )  # fmt: skip
    public = published_run(prompt=PromptFactory(published=True), duration=5)
    add_clip(public, own, seconds=150, cost="0.25")
    frozen = add_clip(published_run(prompt=public.prompt, duration=5), own, cost="0.25")
    frozen.quality_report.frozen_fraction = 0.9  # mostly frozen: complete but not usable
    frozen.quality_report.save()
    add_clip(RunFactory(prompt=public.prompt, duration=5), own, seconds=10)  # a staff test run

    seen = breakeven.measured(own)

    assert seen.clips == 2  # the unpublished run's clip is not public
    assert seen.usable_rate == Decimal("0.5")
    assert seen.real_cost_per_usable_second == Decimal("0.1")  # $0.50 spent ÷ 5 usable seconds
