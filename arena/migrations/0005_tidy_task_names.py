"""Point the rating refresh's beat row at the renamed task (`ratings_refresh`, its service's name)."""

from django.db import migrations

OLD, NEW = "arena.tasks.refresh_ratings", "arena.tasks.ratings_refresh"


def _rename(apps, old: str, new: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new)


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0004_arena_review_queue"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, editor: _rename(apps, OLD, NEW),
            lambda apps, editor: _rename(apps, NEW, OLD),
        )
    ]
