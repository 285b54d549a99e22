"""Arena tasks: refresh the ratings (on a beat schedule, and after every N votes)."""

from celery import shared_task

from arena import services

#: A fit of every pool takes well under a second at 100k votes; this bounds a pathological one.
REFRESH_TIME_LIMIT = 300


@shared_task(ignore_result=True, queue="media", soft_time_limit=REFRESH_TIME_LIMIT)
def refresh_ratings() -> int:
    """Refit every pool and category from all counted votes; return how many fits were stored."""
    return len(services.ratings_refresh())
