"""Every task lands on the queue whose workers are sized for it."""

import pytest

from config.celery_app import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("benchmarks.tasks.submit_generation", "io"),
        ("benchmarks.tasks.poll_generation", "io"),
        ("benchmarks.tasks.download_generation", "io"),
        ("benchmarks.tasks.transcode_generation", "media"),
        ("benchmarks.tasks.score_generation", "media"),
        ("arena.tasks.refresh_ratings", "media"),
        ("comparisons.tasks.make_share_image", "media"),
    ],
)
def test_a_task_is_routed_to_its_queue(task, queue):
    assert task in app.tasks
    assert app.amqp.router.route({}, task)["queue"].name == queue
