import functools
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


class Task(DjangoTask):
    """Every task: Celery's Django task, so services queue work with `delay_on_commit`."""

    def apply_async_on_commit(self, args=None, kwargs=None, *, robust=False, **options) -> None:
        """Queue the task once the transaction commits; `robust`: a broker error is only logged.

        Robust dispatch is for work that can be redone later (a rating refit the beat schedule
        also runs): a broker hiccup then never turns a committed request into a 500.
        """
        send = functools.partial(self.apply_async, args=args, kwargs=kwargs, **options)
        transaction.on_commit(send, robust=robust)


app = Celery("lockstep", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from config import logging as _logging  # noqa: E402, F401 (connects the task log hooks)
