"""System checks: warn when a model in the catalog uses a plugin that has no API key."""

from django.core import checks


@checks.register()
def provider_keys(app_configs, **kwargs):
    from django.db import DatabaseError

    from benchmarks.models import VideoModel
    from benchmarks.providers.registry import PLUGINS, get_plugin

    try:
        keys = set(VideoModel.objects.usable().values_list("plugin_key", flat=True))
    except DatabaseError:  # before migrations: nothing to check yet
        return []
    missing: dict[str, list[str]] = {}
    for key in sorted(keys & set(PLUGINS)):
        plugin = get_plugin(key)
        if plugin.self_hosted:  # no key setting: each row names its endpoint, checked on save
            continue
        if not plugin.is_configured():
            missing.setdefault(plugin.api_key_setting, []).append(key)
    if not missing:
        return []
    listed = "; ".join(f"{name} (for {', '.join(models)})" for name, models in missing.items())
    return [
        checks.Warning(
            f"{sum(map(len, missing.values()))} catalog models have no API key: {listed}.",
            hint="They show as unavailable in the admin, and runs naming them fail. Set the keys "
            "in the environment, or retire the models you don't use.",
            id="benchmarks.W001",
        )
    ]
