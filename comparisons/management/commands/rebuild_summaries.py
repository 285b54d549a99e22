"""Recompute every leaderboard summary from scratch (comparisons.summary).

    python manage.py rebuild_summaries

Not needed in normal operation (triggers mark what changes stale, the next render recomputes
it); useful after restoring a dump made without triggers, or to check a suspicion.
"""

from django.core.management.base import BaseCommand

from comparisons.summary import summaries_rebuild


class Command(BaseCommand):
    help = "Delete every leaderboard summary and recompute the unfiltered board's."

    def handle(self, *args, **options):
        models = summaries_rebuild()
        self.stdout.write(f"Recomputed the summaries of {models} models.")
