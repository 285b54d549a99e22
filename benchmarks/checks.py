"""System checks: models without an API key; countdowns longer than the broker redelivers after."""

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
    return [
        checks.Warning(
            f"{sum(map(len, missing.values()))} catalog models have no API key "
            f"({', '.join(missing)}).",
            hint="They show as unavailable in the admin (which lists them), and runs naming them "
            "fail. Set the keys in the environment, or retire the models you don't use.",
            id="benchmarks.W001",
        )
    ]


def longest_countdowns() -> dict[str, float]:
    """Return the longest countdown each retry path may schedule, in seconds, by its setting."""
    from django.conf import settings

    from api import tasks as api_tasks
    from benchmarks import tasks

    longest_poll = (
        max((cls.poll_interval for cls in _plugin_classes()), default=0.0)
        * settings.POLL_INTERVAL_SCALE
    )
    return {
        "pipeline retry backoff (benchmarks.tasks.BACKOFF_MAX)": tasks.BACKOFF_MAX,
        "PROVIDER_RETRY_AFTER_MAX_SECONDS": settings.PROVIDER_RETRY_AFTER_MAX_SECONDS,
        "POLL_LOST_DELAY_SECONDS": settings.POLL_LOST_DELAY_SECONDS,
        "callback backoff (api.tasks.BACKOFF_MAX)": api_tasks.BACKOFF_MAX,
        "the longest poll interval": longest_poll,
    }


def _plugin_classes():
    from benchmarks.providers.registry import PLUGINS, plugin_class

    return [plugin_class(key) for key in PLUGINS]


@checks.register()
def countdowns_within_visibility_timeout(app_configs, **kwargs):
    """A countdown past Redis's visibility timeout gets the same task delivered twice."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return []
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    errors = []
    for name, seconds in longest_countdowns().items():
        if seconds >= timeout:
            errors.append(
                checks.Error(
                    f"{name} can schedule a countdown of {seconds:.0f} s, not less than the "
                    f"broker's visibility timeout of {timeout} s: Redis would deliver the task "
                    "twice.",
                    hint="Lower it, or raise BROKER_VISIBILITY_TIMEOUT above it.",
                    id="benchmarks.E002",
                )
            )
    return errors
