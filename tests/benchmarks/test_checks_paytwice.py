"""No retry countdown or callback backoff reaches the broker's visibility timeout (issue 13)."""

from benchmarks.checks import countdowns_within_visibility_timeout, longest_countdowns


def test_the_shipped_countdowns_stay_below_the_visibility_timeout(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

    assert countdowns_within_visibility_timeout(None) == []
    assert longest_countdowns()["callback backoff (api.tasks.BACKOFF_MAX)"] < 3600


def test_a_retry_after_cap_past_the_visibility_timeout_is_an_error(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    settings.PROVIDER_RETRY_AFTER_MAX_SECONDS = 7200

    errors = countdowns_within_visibility_timeout(None)

    assert [e.id for e in errors] == ["benchmarks.E002"]
    assert "PROVIDER_RETRY_AFTER_MAX_SECONDS" in errors[0].msg
    assert "7200 s" in errors[0].msg
