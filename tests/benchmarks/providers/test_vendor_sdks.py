"""Fakes held to the vendors' own SDKs (issue 13).

The fakes and the plugins were written from the docs by the same hands, so they can share a
misunderstanding. Each vendor publishes an official Python SDK generated from its API spec:
(a) every answer a fake gives parses with the SDK's typed response models, and (b) for the same
create call, the plugin's request (path, method, auth and version headers, body) equals what the
SDK sends, as recorded by the fake. The SDKs are test dependencies only; their own retries are
off (`max_retries=0`): they would resend a create on a timeout or a 5xx, a double charge.
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import TypeAdapter

from tests.benchmarks.providers.conftest import Harness

pytestmark = pytest.mark.django_db


def _answers(fake, method: str, path: str, *, polls: int = 6) -> list[dict]:
    """Return the fake's JSON answers to `polls` calls of `method path`, as a client sees them."""
    headers = {"Authorization": f"Bearer {fake.key}", "X-Runway-Version": "2024-11-06"}
    with httpx.Client(base_url=fake.origin, headers=headers) as client:
        return [client.request(method, path).json() for _ in range(polls)]


def _last_create(fake):
    return next(r for r in reversed(fake.requests) if r.method == "POST")


def _same_request(sdk, ours, *, headers: tuple[str, ...]):
    assert (ours.method, ours.path) == (sdk.method, sdk.path)
    for name in headers:
        assert ours.headers.get(name) == sdk.headers.get(name), name
    assert ours.json() == sdk.json()


# -- Runway (runwayml) -----------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["", "job_failed", "job_failed_internal", "throttled"])
def test_every_runway_fake_answer_parses_with_the_sdks_types(provider_fake, fault):
    from runwayml.types import TaskRetrieveResponse, TextToVideoCreateResponse

    h: Harness = provider_fake("runway", "runway-gen4-5")
    if fault:
        h.fake.inject(fault)
    body = {"model": "gen4.5", "promptText": "a kite", "ratio": "1280:720", "duration": 5}
    created = httpx.post(
        h.fake.origin + "/v1/text_to_video",
        json=body,
        headers={"Authorization": f"Bearer {h.fake.key}", "X-Runway-Version": "2024-11-06"},
    ).json()
    TextToVideoCreateResponse.model_validate(created)

    tasks = _answers(h.fake, "GET", f"/v1/tasks/{created['id']}")
    statuses = set()
    for task in tasks:
        parsed = TypeAdapter(TaskRetrieveResponse).validate_python(task)
        statuses.add(parsed.status)
    assert statuses >= {"SUCCEEDED" if not fault.startswith("job_failed") else "FAILED"}
    if fault == "throttled":
        assert "THROTTLED" in statuses


def test_runway_error_answers_carry_the_documented_error_member(provider_fake):
    h: Harness = provider_fake("runway", "runway-gen4-5")
    h.fake.inject("rate_limited")
    answer = httpx.post(
        h.fake.origin + "/v1/text_to_video",
        json={},
        headers={"Authorization": f"Bearer {h.fake.key}", "X-Runway-Version": "2024-11-06"},
    )
    assert answer.status_code == 429
    assert isinstance(answer.json()["error"], str)


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        ("runway-gen4-5", {"model": "gen4.5", "ratio": "1280:720", "duration": 5, "seed": 7}),
        (
            "runway-veo3-1",
            {"model": "veo3.1", "ratio": "1280:720", "duration": 8, "seed": 7, "audio": False},
        ),
    ],
)
def test_runways_create_request_is_what_its_sdk_sends(provider_fake, key, fields):
    from runwayml import RunwayML

    h: Harness = provider_fake("runway", key)
    sdk = RunwayML(api_key=h.fake.key, base_url=h.fake.base_url, max_retries=0)
    sdk.text_to_video.create(prompt_text="A lighthouse in a storm", **fields)
    sent_by_sdk = _last_create(h.fake)

    request = h.request(
        prompt="A lighthouse in a storm",
        duration=fields["duration"],
        seed=7,
        audio=fields.get("audio", False),
    )
    h.plugin.submit(request)
    sent_by_plugin = _last_create(h.fake)

    _same_request(sent_by_sdk, sent_by_plugin, headers=("authorization", "x-runway-version"))


def test_every_active_runway_model_is_one_the_sdk_can_request():
    import typing

    from runwayml.types import image_to_video_create_params, text_to_video_create_params

    from benchmarks.providers.base import Lifecycle
    from benchmarks.providers.registry import PLUGINS, plugin_class

    def literal(hint):
        while typing.get_origin(hint) is not typing.Literal:
            hint = typing.get_args(hint)[0]
        return typing.get_args(hint)[0]

    def models(module):
        return {
            literal(typing.get_type_hints(cls)["model"])
            for cls in vars(module).values()
            if isinstance(cls, type) and "model" in getattr(cls, "__annotations__", {})
        }

    known = models(text_to_video_create_params) | models(image_to_video_create_params)
    active = {
        plugin_class(key).model_id
        for key in PLUGINS
        if plugin_class(key).provider_slug == "runway"
        and plugin_class(key).lifecycle == Lifecycle.ACTIVE
    }
    assert active <= known, active - known


# -- Luma (lumaai) ---------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["", "job_failed"])
def test_every_luma_fake_answer_parses_with_the_sdks_types(provider_fake, fault):
    from lumaai.types import Generation

    h: Harness = provider_fake("luma", "luma-ray-2")
    if fault:
        h.fake.inject(fault)
    job = h.plugin.submit(h.request())
    for answer in _answers(h.fake, "GET", f"/dream-machine/v1/generations/{job.job_id}"):
        parsed = Generation.model_validate(answer, strict=False)
        assert parsed.id == job.job_id
        assert parsed.state in ("queued", "dreaming", "completed", "failed")


def test_lumas_create_request_is_what_its_sdk_sends(provider_fake):
    from lumaai import LumaAI

    h: Harness = provider_fake("luma", "luma-ray-2")
    sdk = LumaAI(auth_token=h.fake.key, base_url=h.fake.base_url, max_retries=0)
    sdk.generations.video.create(
        model="ray-2",
        prompt="A lighthouse in a storm",
        aspect_ratio="16:9",
        resolution="720p",
        duration="5s",
        generation_type="video",
    )
    sent_by_sdk = _last_create(h.fake)

    h.plugin.submit(h.request(prompt="A lighthouse in a storm", resolution="720p", duration=5))
    sent_by_plugin = _last_create(h.fake)

    _same_request(sent_by_sdk, sent_by_plugin, headers=("authorization",))


# -- OpenAI (openai) and Replicate (replicate): answers ----------------------------------------


@pytest.mark.parametrize("fault", ["", "job_failed"])
def test_every_openai_fake_answer_parses_with_the_sdks_types(provider_fake, fault):
    from openai.types import Video

    h: Harness = provider_fake("openai", "openai-sora-2")
    if fault:
        h.fake.inject(fault)
    job = h.plugin.submit(h.request())
    for answer in _answers(h.fake, "GET", f"/v1/videos/{job.job_id}"):
        assert Video.model_validate(answer).id == job.job_id


@pytest.mark.parametrize("fault", ["", "job_failed"])
def test_every_replicate_fake_answer_parses_with_the_sdks_types(provider_fake, fault):
    from replicate.prediction import Prediction

    h: Harness = provider_fake("replicate", "wan-2-5-t2v")
    if fault:
        h.fake.inject(fault)
    job = h.plugin.submit(h.request())
    for answer in _answers(h.fake, "GET", f"/v1/predictions/{job.job_id}"):
        validate = getattr(Prediction, "model_validate", None) or Prediction.parse_obj
        assert validate(answer).id == job.job_id


def test_the_sdks_resend_a_create_by_default_which_is_why_plugins_never_use_that(provider_fake):
    """A 502 on create: the SDK's default client sends it 3 times; the plugin sends it once."""
    from runwayml import RunwayML

    from benchmarks.providers.base import OutcomeUnknownError

    h: Harness = provider_fake("runway", "runway-gen4-5")
    h.fake.inject("gateway_error", times=4)
    sdk = RunwayML(api_key=h.fake.key, base_url=h.fake.base_url, timeout=5)
    with pytest.raises(Exception):  # noqa: B017, PT011 (the SDK's own error type)
        sdk.with_options(max_retries=2).text_to_video.create(
            model="gen4.5", prompt_text="a kite", ratio="1280:720", duration=5
        )
    assert h.fake.submissions == 3  # three jobs billed

    with pytest.raises(OutcomeUnknownError):
        h.plugin.submit(h.request())
    assert h.fake.submissions == 4  # the plugin: one more, never a blind retry


# -- Google Veo (google-genai) ---------------------------------------------------------------


@pytest.mark.parametrize("fault", ["", "job_failed", "no_output"])
def test_every_veo_fake_operation_parses_with_the_sdks_types(provider_fake, fault):
    """google-genai 3.x refuses to *create* on the Developer API (docs/providers.md), but still
    reads operations in that shape: the fake's answers go through its own converter."""
    from google.genai.types import GenerateVideosOperation

    h: Harness = provider_fake("veo", "veo-3-1")
    if fault:
        h.fake.inject(fault)
    job = h.plugin.submit(h.request())
    with httpx.Client(base_url=h.fake.origin, headers={"x-goog-api-key": h.fake.key}) as client:
        answers = [client.get(f"/v1beta/{job.job_id}").json() for _ in range(6)]
    parsed = [GenerateVideosOperation.from_api_response(a) for a in answers]
    assert all(op.name == job.job_id for op in parsed)
    final = parsed[-1]
    assert final.done
    if fault == "":
        assert final.response.generated_videos[0].video.uri
    elif fault == "job_failed":
        assert final.error
