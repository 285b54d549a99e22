"""Every provider plugin, by key. Adding a model: one class, one line here.

The key is the plugin's identity: VideoModel.plugin_key, the webhook URL `/webhooks/<key>/`, a
plugin's `key` attribute (read from here, never written on the class). What a new provider
family adds besides its lines here: docs/providers.md, "Adding a provider family".
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from benchmarks.providers.base import BaseProvider

PLUGINS: dict[str, str] = {
    # Models without an API: clips made elsewhere, imported by staff.
    "manual": "benchmarks.providers.manual.ManualImport",
    # Built-in procedural renderer: synthetic demo clips, no API key.
    "local-smooth": "benchmarks.providers.local.plugin.LocalSmooth",
    "local-flicker": "benchmarks.providers.local.plugin.LocalFlicker",
    "local-frozen": "benchmarks.providers.local.plugin.LocalFrozen",
    "local-jerky": "benchmarks.providers.local.plugin.LocalJerky",
    # Runway: its own models and the Veo models it resells.
    "runway-gen4-5": "benchmarks.providers.runway.plugin.RunwayGen45",
    "runway-gen4-turbo": "benchmarks.providers.runway.plugin.RunwayGen4Turbo",
    "runway-veo3-1": "benchmarks.providers.runway.plugin.RunwayVeo31",
    "runway-veo3-1-fast": "benchmarks.providers.runway.plugin.RunwayVeo31Fast",
    "runway-veo3": "benchmarks.providers.runway.plugin.RunwayVeo3",
    "runway-gen3a-turbo": "benchmarks.providers.runway.plugin.RunwayGen3aTurbo",
    # Luma Dream Machine.
    "luma-ray-2": "benchmarks.providers.luma.plugin.LumaRay2",
    "luma-ray-flash-2": "benchmarks.providers.luma.plugin.LumaRayFlash2",
    # OpenAI Sora: the API shut down on 2026-09-24; kept for history and replays.
    "openai-sora-2": "benchmarks.providers.openai.plugin.Sora2",
    "openai-sora-2-pro": "benchmarks.providers.openai.plugin.Sora2Pro",
    # Google Veo through the Gemini API.
    "veo-3-1": "benchmarks.providers.veo.plugin.Veo31",
    "veo-3-1-fast": "benchmarks.providers.veo.plugin.Veo31Fast",
    # Kling (JWT from access key + secret key).
    "kling-v2-6": "benchmarks.providers.kling.plugin.KlingV26",
    "kling-v2-5-turbo": "benchmarks.providers.kling.plugin.KlingV25Turbo",
    "kling-v1-6": "benchmarks.providers.kling.plugin.KlingV16",
    # MiniMax Hailuo.
    "minimax-hailuo-02": "benchmarks.providers.minimax.plugin.Hailuo02",
    "minimax-hailuo-2-3": "benchmarks.providers.minimax.plugin.Hailuo23",
    # fal.ai queue: Pika (no first-party API) and other hosted models.
    "pika-2-2": "benchmarks.providers.fal.plugin.Pika22",
    "pika-2-5": "benchmarks.providers.fal.plugin.Pika25",
    # Replicate: open models.
    "wan-2-5-t2v": "benchmarks.providers.replicate.plugin.Wan25T2V",
    "wan-2-5-i2v": "benchmarks.providers.replicate.plugin.Wan25I2V",
    "ltx-2-fast": "benchmarks.providers.replicate.plugin.Ltx2Fast",
    # Servers staff run themselves: one key, many catalog rows, each with its endpoint.
    "comfyui": "benchmarks.providers.comfyui.plugin.ComfyUI",
    "openai-compatible": "benchmarks.providers.openai.compatible.OpenAICompatibleVideo",
}


@cache
def plugin_class(key: str) -> type[BaseProvider]:
    """Return the plugin class registered under `key` (KeyError if unknown)."""
    return import_string(PLUGINS[key])


@cache
def _keys_by_path() -> dict[str, str]:
    return {path: key for key, path in PLUGINS.items()}


def registered_key(cls: type) -> str:
    """Return the key `cls` is registered under, or "" (a family's base class, say)."""
    return _keys_by_path().get(f"{cls.__module__}.{cls.__qualname__}", "")


def get_plugin(key: str) -> BaseProvider:
    """Return a fresh plugin instance for `key`."""
    return plugin_class(key)()


def plugin_for(model) -> BaseProvider:
    """Return the plugin for catalog row `model`; a self-hosted one gets the row's endpoint."""
    cls = plugin_class(model.plugin_key)
    return cls(model.selfhost_config()) if cls.self_hosted else cls()


def plugin_choices() -> list[tuple[str, str]]:
    """Return (key, key) pairs for a model field's choices."""
    return [(key, key) for key in PLUGINS]
