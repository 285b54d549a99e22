import datetime

import pytest
from django_celery_beat.models import CrontabSchedule

from benchmarks.models import BenchmarkRun, PromptSuite
from benchmarks.services.suites import suite_run, suite_schedule_sync
from tests.factories import PromptFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def suite():
    suite = PromptSuite.objects.create(slug="weekly", name="Weekly")
    suite.prompts.set([PromptFactory(), PromptFactory()])
    suite.video_models.set([VideoModelFactory(slug="local-smooth")])
    return suite


def test_a_beat_firing_twice_in_the_same_tick_starts_one_run_per_prompt(suite):
    tick = datetime.datetime(2026, 11, 24, 3, 0, 12, tzinfo=datetime.UTC)

    first = suite_run(suite, fired_at=tick)
    second = suite_run(suite, fired_at=tick + datetime.timedelta(seconds=30))

    assert [r.pk for r in first] == [r.pk for r in second]
    assert BenchmarkRun.objects.filter(suite=suite, trigger="schedule").count() == 2


def test_the_next_tick_starts_new_runs(suite):
    tick = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC)
    suite_run(suite, fired_at=tick)
    suite_run(suite, fired_at=tick + datetime.timedelta(days=7))

    assert BenchmarkRun.objects.filter(suite=suite).count() == 4


def test_the_schedule_staff_set_becomes_a_beat_entry(suite):
    suite.schedule = CrontabSchedule.objects.create(minute="0", hour="3", day_of_week="1")
    suite.schedule_enabled = True
    suite_schedule_sync(suite)

    task = suite.periodic_task
    assert task.task == "benchmarks.tasks.suite_run"
    assert task.args == f"[{suite.pk}]"
    assert task.enabled
    assert task.crontab == suite.schedule

    suite.schedule = None
    suite_schedule_sync(suite)
    task.refresh_from_db()
    assert not task.enabled
