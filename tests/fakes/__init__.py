"""Fake provider APIs on loopback, one per provider, speaking each documented protocol."""

FAKES = {
    "runway": "tests.fakes.runway.FakeRunway",
    "luma": "tests.fakes.luma.FakeLuma",
    "openai": "tests.fakes.openai.FakeOpenAI",
    "veo": "tests.fakes.veo.FakeVeo",
    "kling": "tests.fakes.kling.FakeKling",
    "minimax": "tests.fakes.minimax.FakeMiniMax",
    "fal": "tests.fakes.fal.FakeFal",
    "replicate": "tests.fakes.replicate.FakeReplicate",
    "comfyui": "tests.fakes.comfyui.FakeComfyUI",
    "openai-compatible": "tests.fakes.openai_compatible.FakeOpenAICompatible",
}


def fake_class(slug: str):
    """Return the fake provider class for `slug`."""
    from importlib import import_module

    module, _, name = FAKES[slug].rpartition(".")
    return getattr(import_module(module), name)
