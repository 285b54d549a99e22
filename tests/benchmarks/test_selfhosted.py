"""Self-hosted models through the whole pipeline against their fake servers."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from benchmarks.models import Generation, Provider, VideoModel
from benchmarks.providers.base import TransientProviderError
from benchmarks.services import pipeline
from benchmarks.services.inline import drive_inline
from benchmarks.services.runs import run_start
from tests.benchmarks.providers.conftest import short_timeouts, start_fake  # noqa: F401 (fixture)
from tests.factories import PromptFactory, SelfHostedEndpointFactory
from tests.fakes.comfyui import WAN_WORKFLOW

pytestmark = pytest.mark.django_db
State = Generation.State


def _model(fake, plugin_key: str, **fields) -> VideoModel:
    """Create the catalog row staff would make for a model on `fake`, checked as on save."""
    config = fake.plugin_config()
    endpoint = SelfHostedEndpointFactory(
        base_url=config["base_url"],
        auth_header=config["auth_header"],
        gpu_hour_price=fields.pop("gpu_hour_price", Decimal("2.00")),
        gpu_count=fields.pop("gpu_count", 1),
    )
    provider, _ = Provider.objects.get_or_create(slug="self-hosted", defaults={"name": "Ours"})
    model = VideoModel(
        provider=provider,
        slug=f"{plugin_key}-test",
        display_name=f"{plugin_key} on our box",
        plugin_key=plugin_key,
        endpoint=endpoint,
        capabilities=fields.pop("capabilities", _capabilities(plugin_key)),
        **fields,
    )
    model.full_clean()
    model.save()
    return model


def _capabilities(plugin_key: str) -> dict:
    # The OpenAI Videos protocol has no seed field: only ComfyUI's workflow takes one.
    return {"text_to_video": True, "seed": plugin_key == "comfyui", "durations": [5], "fps": 16}


def _generation(model: VideoModel) -> Generation:
    run = run_start(prompt=PromptFactory(), models=[model], dispatch=False)
    return run.generations.get()


@pytest.fixture
def comfyui(settings):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake("comfyui", settings, steps=2)
    yield fake
    fake.stop()


@pytest.fixture
def compatible(settings):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake("openai-compatible", settings, steps=2)
    yield fake
    fake.stop()


def test_a_comfyui_model_runs_through_the_pipeline_and_its_cost_is_computed(comfyui):
    model = _model(comfyui, "comfyui", workflow=WAN_WORKFLOW, gpu_count=2)
    generation = _generation(model)
    assert generation.estimated_cost is None  # no list price: unknown before the run

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert comfyui.submissions == 1
    assert generation.gpu_seconds == 180.0  # 90 s of execution × 2 GPUs
    assert generation.gpu_time_source == "wall"
    assert generation.actual_cost == Decimal("0.1000")
    assert generation.request_sent["prompt"]["6"]["inputs"]["text"] == generation.run.prompt.text


def test_an_openai_compatible_model_runs_through_the_pipeline_with_reported_gpu_time(compatible):
    compatible.gpu_seconds = 450.0
    model = _model(compatible, "openai-compatible", model_id="ltx-video")
    generation = _generation(model)

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert generation.gpu_time_source == "reported"
    assert generation.actual_cost == Decimal("0.2500")  # 450 / 3600 h × $2
    assert generation.request_sent["model"] == "ltx-video"


def test_an_out_of_memory_failure_is_resubmitted_under_a_new_prompt_id(comfyui):
    comfyui.inject("job_failed_internal", on="job")
    generation = _generation(_model(comfyui, "comfyui", workflow=WAN_WORKFLOW))

    drive_inline({generation.pk: "submit"})

    generation.refresh_from_db()
    assert generation.state == State.COMPLETE, generation.error_message
    assert generation.attempts == 2
    # The failed attempt stays in ComfyUI's history under the reference itself.
    assert generation.provider_job_id == f"{generation.reference}.1"
    assert comfyui.submissions == 2
    assert generation.prior_attempts_cost == Decimal("0.0500")  # 90 s of GPU time at $2/h


def test_the_next_run_is_estimated_from_the_computed_cost_of_the_last(comfyui):
    model = _model(comfyui, "comfyui", workflow=WAN_WORKFLOW, gpu_count=2)
    first = _generation(model)
    drive_inline({first.pk: "submit"})

    second = _generation(model)

    assert second.estimated_cost == Decimal("0.1000")  # the first clip's $0.02/s × 5 s


@pytest.mark.usefixtures("short_timeouts")
def test_a_comfyui_submit_whose_answer_is_lost_is_found_by_our_reference(comfyui):
    generation = _generation(_model(comfyui, "comfyui", workflow=WAN_WORKFLOW))
    comfyui.inject("lost_answer", on="submit")  # ComfyUI queues the prompt, the answer is lost

    pipeline.generation_submit(generation.pk)

    generation.refresh_from_db()
    assert generation.state == State.SUBMITTED
    assert generation.provider_job_id == str(generation.reference)
    assert "Recovered" in generation.events.last().reason
    drive_inline({generation.pk: "poll"})
    generation.refresh_from_db()
    assert generation.state == State.COMPLETE
    assert comfyui.submissions == 1


@pytest.mark.usefixtures("short_timeouts")
def test_an_openai_compatible_submit_whose_answer_is_lost_waits_for_staff(compatible):
    generation = _generation(_model(compatible, "openai-compatible", model_id="ltx-video"))
    compatible.inject("lost_answer", on="submit")

    pipeline.generation_submit(generation.pk)

    generation.refresh_from_db()
    assert generation.state == State.NEEDS_REVIEW
    assert compatible.submissions == 1  # never sent twice


@pytest.mark.parametrize(("slug", "fields"), [
    ("comfyui", {"workflow": WAN_WORKFLOW}),
    ("openai-compatible", {"model_id": "ltx-video"}),
])  # fmt: skip
def test_a_server_that_goes_away_mid_job_is_retried_then_the_lost_job_resubmitted_once(
    settings, slug, fields
):
    settings.POLL_INTERVAL_SCALE = 0
    fake = start_fake(slug, settings, steps=3)
    try:
        generation = _generation(_model(fake, slug, **fields))
        pipeline.generation_submit(generation.pk)
        pipeline.generation_poll(generation.pk)
        fake.stop()  # the GPU box goes away

        with pytest.raises(TransientProviderError):  # Celery retries the poll with backoff
            pipeline.generation_poll(generation.pk)
        generation.refresh_from_db()
        assert generation.state in (State.SUBMITTED, State.GENERATING)

        fake.restart()  # back, without the jobs it kept in memory
        assert pipeline.generation_poll(generation.pk).step == "submit"
        drive_inline({generation.pk: "submit"})

        generation.refresh_from_db()
        assert generation.state == State.COMPLETE, generation.error_message
        assert generation.attempts == 2
        assert fake.submissions == 2  # one before the restart, one after: never two at once
        assert generation.events.resubmits().count() == 1
    finally:
        fake.stop()


def test_saving_a_comfyui_model_names_the_missing_placeholder(comfyui):
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow["6"]["inputs"]["text"] = "a fixed prompt"

    with pytest.raises(ValidationError) as caught:
        _model(comfyui, "comfyui", workflow=workflow)

    assert "no {{prompt}} placeholder" in caught.value.message_dict["workflow"][0]


def test_saving_an_openai_compatible_model_without_a_model_id_says_so(compatible):
    with pytest.raises(ValidationError) as caught:
        _model(compatible, "openai-compatible")

    assert "model id" in caught.value.message_dict["model_id"][0]


def test_a_self_hosted_model_without_an_endpoint_is_refused():
    provider, _ = Provider.objects.get_or_create(slug="self-hosted", defaults={"name": "Ours"})
    model = VideoModel(provider=provider, slug="wan-box", display_name="Wan", plugin_key="comfyui")

    with pytest.raises(ValidationError) as caught:
        model.full_clean()

    assert "needs an endpoint" in caught.value.message_dict["endpoint"][0]
