"""Point django-celery-beat rows at the renamed tasks (each task now has its service's name).

Suites' schedules call `suite_run` (was `run_suite`); the reaper's entry is `generations-reap`
calling `generations_reap` (was `reap-stuck-generations` / `reap_stuck_generations`). A row left
on an old path would have beat send a task no worker knows.
"""

from django.db import migrations

RENAMED = {
    "benchmarks.tasks.run_suite": "benchmarks.tasks.suite_run",
    "benchmarks.tasks.reap_stuck_generations": "benchmarks.tasks.generations_reap",
}
SCHEDULE_NAMES = {"reap-stuck-generations": "generations-reap"}


def _rename(apps, tasks: dict, names: dict) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in tasks.items():
        PeriodicTask.objects.filter(task=old).update(task=new)
    for old, new in names.items():
        if not PeriodicTask.objects.filter(name=new).exists():
            PeriodicTask.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMED, SCHEDULE_NAMES)


def backwards(apps, schema_editor):
    _rename(apps, {v: k for k, v in RENAMED.items()}, {v: k for k, v in SCHEDULE_NAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarks", "0009_merge_20261207_0303"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
