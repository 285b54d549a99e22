"""Every task lands on the queue whose workers are sized for it."""

import pytest

from config.celery_app import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("benchmarks.tasks.generation_submit", "io"),
        ("benchmarks.tasks.generation_poll", "io"),
        ("benchmarks.tasks.generation_download", "io"),
        ("benchmarks.tasks.generation_transcode", "media"),
        ("benchmarks.tasks.generation_score", "media"),
        ("arena.tasks.ratings_refresh", "media"),
        ("comparisons.tasks.comparison_make_share_image", "media"),
    ],
)
def test_a_task_is_routed_to_its_queue(task, queue):
    assert task in app.tasks
    assert app.amqp.router.route({}, task)["queue"].name == queue
