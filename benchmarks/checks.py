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
    warnings = []
    for key in sorted(keys & set(PLUGINS)):
        plugin = get_plugin(key)
        if not plugin.is_configured():
            warnings.append(
                checks.Warning(
                    f"Model plugin {key!r} has no API key ({plugin.api_key_setting} is empty).",
                    hint="Set it in the environment, or retire the model; runs naming it will fail.",
                    id="benchmarks.W001",
                )
            )
    return warnings
