"""Structured logs: one JSON object per line, with the run and generation ids of the event.

The ids come from the record itself (`extra={"run_id": ..., "generation_id": ...}`) or, inside a
pipeline task, from the task being run: a Celery `task_prerun` hook puts the generation id (the
tasks' first argument) and its run id in a context variable that every record of that task
inherits. Production settings route all logging through `JsonFormatter`.
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


def log_context(**ids) -> contextvars.Token:
    """Set the ids every following record of this task or thread carries; return the reset token."""
    return _context.set({**(_context.get() or {}), **ids})


@task_prerun.connect(dispatch_uid="api.logging.task_prerun")
def _task_started(sender=None, task_id=None, task=None, args=None, **kwargs):
    context = {"task": getattr(task, "name", "")}
    if task is not None and task.name.startswith("benchmarks.tasks.") and args:
        from benchmarks.models import Generation

        generation_id = args[0]
        context["generation_id"] = generation_id
        context["run_id"] = (
            Generation.objects.filter(pk=generation_id).values_list("run_id", flat=True).first()
        )
    _context.set(context)


@task_postrun.connect(dispatch_uid="api.logging.task_postrun")
def _task_ended(**kwargs):
    _context.set(None)
