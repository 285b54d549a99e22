"""Structured logs: one JSON object per line, with the run and generation ids of the event.

The ids come from the record itself (`extra={"run_id": ..., "generation_id": ...}`) or, inside a
task, from the message headers its sender set (`benchmarks.tasks.step_queue` sets both): a Celery
`task_prerun` hook puts them in a context variable that every record of that task inherits, with
no query and no guess from the task's arguments. Production settings route all logging through
`JsonFormatter`.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime

from celery.signals import task_postrun, task_prerun

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "lockstep_log_context", default=None
)
ID_FIELDS = ("run_id", "generation_id")
#: Attributes every LogRecord has: anything else on a record came from `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time, level, logger, message, ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _context.get() or {}
        for name in ID_FIELDS:
            value = getattr(record, name, None) or context.get(name)
            entry[name] = value
        if context.get("task"):
            entry["task"] = context["task"]
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def task_header(request, name: str):
    """Return the custom header `name` of a task request (None if the sender set none)."""
    # A worker merges custom headers into the request; an eager call keeps them in `headers`.
    return getattr(request, name, None) or (getattr(request, "headers", None) or {}).get(name)


@task_prerun.connect(dispatch_uid="config.logging.task_prerun")
def _task_started(sender=None, task_id=None, task=None, **kwargs):
    context = {"task": getattr(task, "name", "")}
    if task is not None:
        for name in ID_FIELDS:
            context[name] = task_header(task.request, name)
    _context.set(context)


@task_postrun.connect(dispatch_uid="config.logging.task_postrun")
def _task_ended(**kwargs):
    _context.set(None)
