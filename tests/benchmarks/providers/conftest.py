"""Fixtures that point a provider plugin at its fake server."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

import httpx
import pytest

from benchmarks.providers import base
from benchmarks.providers.base import BaseProvider, Capabilities, GenerationRequest, PollResult
from benchmarks.providers.registry import get_plugin, plugin_class
from benchmarks.providers.selfhosted import SelfHostedConfig
from tests.fakes import fake_class
from tests.fakes.comfyui import WAN_WORKFLOW
from tests.fakes.server import FakeProvider

#: provider slug -> the plugin key the contract suite drives against that provider's fake.
CONTRACT_MODELS = {
    "runway": "runway-gen4-5",
    "luma": "luma-ray-2",
    "openai": "openai-sora-2",
    "veo": "veo-3-1",
    "kling": "kling-v2-5-turbo",
    "minimax": "minimax-hailuo-02",
    "fal": "pika-2-2",
    "replicate": "wan-2-5-t2v",
    "comfyui": "comfyui",
    "openai-compatible": "openai-compatible",
}
#: provider slug -> the calls its plugin's `cancel` sends ("METHOD path"; {job} is the job id).
#: Veo, Kling and MiniMax document no cancel: their plugins send nothing and the job runs on.
CANCEL_CALLS = {
    "runway": ["DELETE /v1/tasks/{job}"],  # cancels a running task, deletes a finished one
    "luma": ["DELETE /dream-machine/v1/generations/{job}"],
    "openai": ["DELETE /v1/videos/{job}"],  # no cancel in the API: deleting stops the billing
    "veo": [],
    "kling": [],
    "minimax": [],
    "fal": ["PUT /fal-ai/pika/requests/{job}/cancel"],
    "replicate": ["POST /v1/predictions/{job}/cancel"],
    "comfyui": ["POST /queue", "POST /interrupt"],  # drop it if queued, interrupt it if running
    "openai-compatible": ["DELETE /v1/videos/{job}"],
}
#: What a staff-made catalog row of each self-hosted plugin says, besides its endpoint.
SELF_HOSTED_MODELS = {
    "comfyui": {
        "model_id": "wan2.2-t2v-14b",
        "display_name": "Wan 2.2 (ComfyUI)",
        "workflow": WAN_WORKFLOW,
        "capabilities": Capabilities(seed=True, durations=(5, 10)),
        "fps": 16,
    },
    "openai-compatible": {
        "model_id": "ltx-video",
        "display_name": "LTX-Video (OpenAI-compatible)",
        "capabilities": Capabilities(image_to_video=True, durations=(4, 8)),
    },
}
#: A 1x1 PNG, inlined the way the pipeline sends reference images.
PNG_DATA_URI = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
        )
    ).decode()
)


@dataclass
class Harness:
    fake: FakeProvider
    plugin: BaseProvider
    slug: str = ""  # the key of CONTRACT_MODELS this harness drives

    def request(self, **overrides) -> GenerationRequest:
        """Return a request this model accepts, with `overrides` applied."""
        caps = self.plugin.capabilities
        fields = {
            "prompt": "A lighthouse in a storm, waves crashing, slow dolly in",
            "duration": caps.durations[0],
            "aspect_ratio": caps.aspect_ratios[0],
            "resolution": caps.resolutions[0],
            "image_url": "" if caps.text_to_video else PNG_DATA_URI,
            "reference": str(uuid.uuid4()),
        }
        return GenerationRequest(**(fields | overrides))

    def spoil_key(self, settings) -> None:
        """Give the plugin a wrong credential (a setting, or a self-hosted endpoint's header)."""
        if self.plugin.self_hosted:
            self.plugin.config = replace(self.plugin.config, auth_header="Authorization: Bearer no")
            return
        for name in self.fake.key_settings or (f"{self.fake.slug.upper()}_API_KEY",):
            setattr(settings, name, "wrong-key-" * 4)

    def poll_until_done(self, job_id: str, limit: int = 10) -> PollResult:
        for _ in range(limit):
            result = self.plugin.poll(job_id)
            if result.status.is_terminal:
                return result
        raise AssertionError(f"job {job_id} still {result.status} after {limit} polls")


def selfhost_config(fake: FakeProvider, **overrides) -> SelfHostedConfig:
    """Return the config of a self-hosted catalog row on `fake`, at $2/GPU-hour on 1 GPU."""
    fields = {"gpu_hour_price": Decimal("2.00"), "gpu_count": 1}
    fields |= fake.plugin_config() | SELF_HOSTED_MODELS[fake.slug]
    return SelfHostedConfig(**(fields | overrides))


def plugin_on(fake: FakeProvider, key: str) -> BaseProvider:
    """Return the `key` plugin pointed at `fake` (self-hosted ones through their config)."""
    cls = plugin_class(key)
    return cls(selfhost_config(fake)) if cls.self_hosted else get_plugin(key)


def start_fake(slug: str, settings, **options) -> FakeProvider:
    fake = fake_class(slug)(**options).start()
    for name, value in fake.plugin_settings().items():
        setattr(settings, name, value)
    return fake


@pytest.fixture
def short_timeouts(monkeypatch):
    """Make the 'hang' fault cost a fraction of a second instead of 30."""
    monkeypatch.setattr(base, "HTTP_TIMEOUT", httpx.Timeout(0.3, connect=1.0))
    monkeypatch.setattr(base, "DOWNLOAD_TIMEOUT", httpx.Timeout(0.3, connect=1.0))


@pytest.fixture(params=sorted(CONTRACT_MODELS))
def harness(request, settings):
    fake = start_fake(request.param, settings)
    plugin = plugin_on(fake, CONTRACT_MODELS[request.param])
    yield Harness(fake=fake, plugin=plugin, slug=request.param)
    fake.stop()


@pytest.fixture
def provider_fake(settings):
    """Return a function that starts `slug`'s fake and a `plugin_key` plugin pointed at it."""
    started: list[FakeProvider] = []

    def start(slug: str, plugin_key: str, **options) -> Harness:
        fake = start_fake(slug, settings, **options)
        started.append(fake)
        return Harness(fake=fake, plugin=plugin_on(fake, plugin_key))

    yield start
    for fake in started:
        fake.stop()
