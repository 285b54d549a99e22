"""Bring the model catalog in step with the plugin registry (run on every deploy)."""

from django.core.management.base import BaseCommand

from benchmarks.services.catalog import catalog_sync


class Command(BaseCommand):
    help = (
        "Create or update a model per registered plugin, keeping staff edits, lifecycle and prices."
    )

    def handle(self, *args, **options):
        models = catalog_sync()
        for model in models:
            self.stdout.write(f"{model.slug:28s} {model.lifecycle}")
        self.stdout.write(f"{len(models)} model(s) in step with the registry.")
