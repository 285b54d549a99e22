"""Generation settings from prompt and suite into the run, its samples and each plugin's request."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from benchmarks.models import BenchmarkRun, Generation, PromptSuite
from benchmarks.services import costs
from benchmarks.services.requests import RunSettings, generation_request
from benchmarks.services.runs import RunRefused, run_start
from benchmarks.services.suites import suite_run
from tests.factories import PriceFactory, PromptFactory, VideoModelFactory

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.fixture
def kling16(settings):
    settings.KLING_ACCESS_KEY, settings.KLING_SECRET_KEY = "ak", "sk"  # runnable: it has keys
    return VideoModelFactory(
        slug="kling-v1-6",
        capabilities={
            "text_to_video": True,
            "image_to_video": True,
            "end_frame": True,
            "camera_control": True,
            "durations": [5, 10],
        },
    )


def test_the_prompts_settings_reach_the_run_and_the_request_the_plugin_gets(kling16):
    prompt = PromptFactory(camera_motion="zoom_in", audio="off", negative_prompt="blur")
    run = run_start(prompt=prompt, models=[kling16], dispatch=False)

    assert (run.camera_motion, run.audio, run.samples) == ("zoom_in", "off", 1)
    request = generation_request(run.generations.get())
    assert (request.camera, request.audio, request.negative_prompt) == ("zoom_in", False, "blur")
    assert request.seed is None  # Kling takes no seed


def test_the_end_frame_goes_from_the_prompt_to_the_request_inline(kling16):
    prompt = PromptFactory()
    prompt.reference_image.save("first.png", ContentFile(PNG))
    prompt.end_image.save("last.png", ContentFile(PNG))
    run = run_start(prompt=prompt, models=[kling16], dispatch=False)

    request = generation_request(run.generations.get())
    assert run.end_image.name == prompt.end_image.name
    assert request.end_image_url.startswith("data:image/png;base64,")


def test_a_setting_a_model_cant_honour_refuses_the_run_before_anything_is_made(settings):
    settings.LUMA_API_KEY = "key"
    model = VideoModelFactory(slug="luma-ray-2", capabilities={"durations": [5]})
    prompt = PromptFactory(camera_motion="orbit")

    with pytest.raises(RunRefused, match="Luma Ray 2 does not take the camera move 'orbit'"):
        run_start(prompt=prompt, models=[model])
    with pytest.raises(RunRefused, match="Luma Ray 2 does not take the setting seed"):
        run_start(prompt=PromptFactory(), models=[model], seed=5)
    assert not BenchmarkRun.objects.exists()


def test_each_sample_is_its_own_generation_with_its_own_recorded_seed():
    model = VideoModelFactory(slug="local-smooth")
    run = run_start(
        prompt=PromptFactory(),
        models=[model],
        settings=RunSettings(samples=3, seed=100),
        dispatch=False,
    )

    generations = list(run.generations.order_by("sample"))
    assert [(g.sample, g.seed) for g in generations] == [(0, 100), (1, 101), (2, 102)]
    assert [generation_request(g).seed for g in generations] == [100, 101, 102]


def test_the_budget_counts_every_sample(settings):
    # A real model's (demo clips never count toward the budget), rendered locally in tests.
    model = VideoModelFactory(slug="hailuo", plugin_key="local-smooth", synthetic=False)
    PriceFactory(video_model=model, amount=Decimal("0.10"))  # $0.50 a 5 s clip
    settings.MONTHLY_BUDGET_USD = "1.20"

    with pytest.raises(RunRefused, match=r"cost about \$1.50"):
        run_start(prompt=PromptFactory(), models=[model], settings=RunSettings(samples=3))
    run = run_start(prompt=PromptFactory(), models=[model], settings=RunSettings(samples=2))
    assert costs.spend_this_month() == Decimal("1.00")
    assert run.generations.count() == 2


def test_a_suite_overrides_the_prompts_settings_for_its_runs(kling16):
    suite = PromptSuite.objects.create(slug="s", name="S", samples=2, camera_motion="pan_left")
    suite.prompts.add(PromptFactory(camera_motion="zoom_in"))
    suite.video_models.add(kling16)

    (run,) = suite_run(suite)
    assert (run.camera_motion, run.samples) == ("pan_left", 2)
    assert run.generations.count() == 2


def test_run_benchmark_takes_the_settings_on_the_command_line(kling16):
    PromptFactory(slug="kite")
    call_command(
        "run_benchmark", "--prompt=kite", "--models=kling-v1-6", "--camera=tilt_up",
        "--audio=off", "--samples=2",
    )  # fmt: skip
    run = BenchmarkRun.objects.get()
    assert (run.camera_motion, run.audio, run.samples) == ("tilt_up", "off", 2)
    assert set(Generation.objects.values_list("sample", flat=True)) == {0, 1}
