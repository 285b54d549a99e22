"""Catch the pipeline steps a test queues, without a broker."""

from contextlib import contextmanager
from unittest import mock


@contextmanager
def steps_queued(task: str):
    """Patch `benchmarks.tasks.<task>`'s dispatch; yield a Mock called with each generation id.

    Steps are queued after commit (`step_queue`); the test's transaction never commits, so the
    dispatch is recorded when it is asked for.
    """
    queued = mock.Mock()
    with mock.patch(
        f"benchmarks.tasks.{task}.apply_async_on_commit",
        side_effect=lambda args, **options: queued(*args),
    ):
        yield queued
