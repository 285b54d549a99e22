"""Remove the "Imported clip" pseudo-model `catalog_sync` used to create, when nothing uses it.

Imported clips are attributed to the model that made them. A pseudo-model that already holds
clips is kept (PROTECT): staff move those clips to their real model in the admin.
"""

from django.db import migrations


def drop_unused_pseudo_model(apps, schema_editor):
    VideoModel = apps.get_model("benchmarks", "VideoModel")
    Provider = apps.get_model("benchmarks", "Provider")
    VideoModel.objects.filter(slug="manual", plugin_key="manual", generations=None).delete()
    Provider.objects.filter(slug="manual", models=None).delete()


class Migration(migrations.Migration):
    dependencies = [("benchmarks", "0004_prior_attempts_cost")]

    operations = [migrations.RunPython(drop_unused_pseudo_model, migrations.RunPython.noop)]
