"""Fixtures that point a provider plugin at its fake server."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

import httpx
import pytest

from benchmarks.providers import base
from benchmarks.providers.base import BaseProvider, GenerationRequest, PollResult
from benchmarks.providers.registry import get_plugin
from tests.fakes import fake_class
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

    def poll_until_done(self, job_id: str, limit: int = 10) -> PollResult:
        for _ in range(limit):
            result = self.plugin.poll(job_id)
            if result.status.is_terminal:
                return result
        raise AssertionError(f"job {job_id} still {result.status} after {limit} polls")


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
    yield Harness(fake=fake, plugin=get_plugin(CONTRACT_MODELS[request.param]))
    fake.stop()


@pytest.fixture
def provider_fake(settings):
    """Return a function that starts `slug`'s fake and a `plugin_key` plugin pointed at it."""
    started: list[FakeProvider] = []

    def start(slug: str, plugin_key: str, **options) -> Harness:
        fake = start_fake(slug, settings, **options)
        started.append(fake)
        return Harness(fake=fake, plugin=get_plugin(plugin_key))

    yield start
    for fake in started:
        fake.stop()
