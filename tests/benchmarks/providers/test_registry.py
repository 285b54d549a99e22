"""Every registered plugin is complete: key, provider, capabilities, settings, lifecycle."""

from __future__ import annotations

import re
from datetime import date

import pytest

from benchmarks.providers.base import Lifecycle
from benchmarks.providers.registry import PLUGINS, get_plugin, plugin_class


@pytest.mark.parametrize("key", sorted(PLUGINS))
def test_a_plugin_is_registered_under_its_own_slug_safe_key(key):
    cls = plugin_class(key)
    assert cls.key == key
    assert re.fullmatch(r"[a-z0-9-]+", key)
    assert cls.provider_slug
    assert cls.provider_name
    assert cls.display_name
    caps = cls.capabilities
    assert caps.durations
    assert caps.resolutions
    assert caps.aspect_ratios
    assert caps.text_to_video or caps.image_to_video


@pytest.mark.parametrize("key", sorted(k for k in PLUGINS if plugin_class(k).api_key_setting))
def test_a_real_plugin_reads_its_key_and_url_from_settings(key, settings):
    cls = plugin_class(key)
    assert cls.model_id
    assert cls.api_key_setting.isupper()
    assert cls.base_url_setting.isupper()
    assert cls.default_base_url.startswith("https://")
    setattr(settings, cls.api_key_setting, "")
    assert get_plugin(key).is_configured() is False
    setattr(settings, cls.base_url_setting, "http://127.0.0.1:9/api/")
    assert get_plugin(key).base_url() == "http://127.0.0.1:9/api"


@pytest.mark.parametrize("key", sorted(PLUGINS))
def test_a_retired_model_says_when(key):
    cls = plugin_class(key)
    if cls.lifecycle != Lifecycle.ACTIVE:
        assert date.fromisoformat(cls.retired_on)


def test_only_the_local_renderer_is_synthetic():
    synthetic = {key for key in PLUGINS if plugin_class(key).synthetic}
    assert synthetic == {"local-smooth", "local-flicker", "local-frozen", "local-jerky"}


@pytest.mark.parametrize("key", sorted(PLUGINS))
def test_a_plugin_declares_its_failure_billing_policy_and_docs_give_the_source(key):
    from pathlib import Path

    from benchmarks.providers.base import BaseProvider, BillingPolicy

    cls = plugin_class(key)
    family = next(c for c in cls.__mro__ if "billing_policy" in vars(c))
    assert family is not BaseProvider or cls.provider_slug == "manual"
    assert isinstance(cls.billing_policy, BillingPolicy)
    docs = (Path(__file__).resolve().parents[3] / "docs" / "providers.md").read_text()
    section = docs.split("## Money: billing policy", 1)[1]
    assert f"`{cls.billing_policy.value}`" in section
    assert cls.provider_name in section


def test_a_plugins_key_is_read_from_the_registry_never_written_on_the_class():
    from benchmarks.providers.base import BaseProvider

    paths = list(PLUGINS.values())
    assert len(paths) == len(set(paths)), "a class registered twice would have two keys"
    for key in PLUGINS:
        assert not any("key" in vars(c) for c in plugin_class(key).__mro__ if c is not BaseProvider)
    assert BaseProvider.key == ""  # a family's base class is no plugin


def test_reference_lookup_is_offered_by_exactly_the_plugins_that_implement_find_job():
    offered = {key for key in PLUGINS if plugin_class(key).supports_reference_lookup}

    # The "lookup by our reference" column of docs/providers.md.
    assert offered == {
        "local-smooth", "local-flicker", "local-frozen", "local-jerky",
        "kling-v2-6", "kling-v2-5-turbo", "kling-v1-6", "comfyui",
    }  # fmt: skip


def test_the_catalog_and_the_plugins_share_one_lifecycle_enum():
    from benchmarks.models import VideoModel

    assert VideoModel.Lifecycle is Lifecycle


def test_every_setting_a_plugin_reads_is_written_out_in_settings_and_documented():
    """A new provider family adds its settings lines; a name only in a plugin fails here."""
    from pathlib import Path

    from django.conf import settings

    root = Path(__file__).resolve().parents[3]
    source = "\n".join(p.read_text() for p in (root / "benchmarks" / "providers").rglob("*.py"))
    named = set(re.findall(r'_setting = "([A-Z0-9_]+)"', source))
    named |= set(re.findall(r'getattr\(settings, "([A-Z0-9_]+)"', source))
    assert {"RUNWAY_API_KEY", "KLING_SECRET_KEY", "OPENAI_WEBHOOK_SECRET"} <= named
    docs = (root / "docs" / "providers.md").read_text()
    for name in sorted(named):
        assert hasattr(settings, name), f"{name} is not in config/settings/base.py"
        assert f"`{name}`" in docs, f"{name} is not in docs/providers.md"
