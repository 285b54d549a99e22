"""Arena tasks: refresh the ratings (on a beat schedule, and after every N votes)."""

from celery import shared_task

from arena import services

#: Fitting 100k votes of 20 models (200 resamples) took 0.8 s on a busy 2-core machine, and a
#: refresh fits each vote twice (overall and its category): this only bounds a pathological one.
REFRESH_TIME_LIMIT = 300


@shared_task(ignore_result=True, soft_time_limit=REFRESH_TIME_LIMIT)
def ratings_refresh() -> int:
    """Refit every pool and category from all counted votes; return how many fits were stored."""
    return len(services.ratings_refresh())
