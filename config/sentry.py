"""Error reports to Sentry, on when `SENTRY_DSN` is set (web and Celery workers alike)."""

from config.settings.env import env, env_float


def sentry_init() -> bool:
    """Start the Sentry SDK with its Django and Celery integrations; return whether it started."""
    dsn = env("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=env("SENTRY_ENVIRONMENT", "production"),
        release=env("SENTRY_RELEASE") or None,
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,  # no voter IPs, cookies or staff e-mail addresses
        integrations=[DjangoIntegration(), CeleryIntegration(monitor_beat_tasks=False)],
    )
    return True
