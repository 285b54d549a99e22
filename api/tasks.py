"""Celery tasks of the API: deliver callbacks, with the retry policy declared here."""

from celery import shared_task

from api import callbacks

#: Backoff 1, 2, 4 ... minutes, capped at 50 min, jittered; the service stops retrying a day after
#: the first attempt, which these numbers reach before running out of retries. The cap stays below
#: the broker's visibility timeout (BROKER_VISIBILITY_TIMEOUT, 1 h): a longer countdown would make
#: Redis deliver the same retry twice (system check benchmarks.E002).
BACKOFF_FIRST = 60
BACKOFF_MAX = 50 * 60
MAX_RETRIES = 40


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(callbacks.CallbackRetry,),
    retry_backoff=BACKOFF_FIRST,
    retry_backoff_max=BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def callback_deliver(self, message_id: str):
    last_try = self.request.retries >= self.max_retries
    callbacks.callback_deliver(message_id=message_id, last_try=last_try)


@shared_task(ignore_result=True)
def clear_expired_sessions():
    """Delete expired sessions (what `manage.py clearsessions` does), daily from beat."""
    from django.contrib.sessions.backends.db import SessionStore

    SessionStore.clear_expired()
