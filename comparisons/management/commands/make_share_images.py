"""Draw the share image of published comparisons that have none (published before it existed, or
by ticking "published" in the admin, which sends no comparison_published signal)."""

from django.core.management.base import BaseCommand

from comparisons.cache import invalidate_public_pages
from comparisons.models import Comparison
from comparisons.share import ShareImageFailed, comparison_make_share_image


class Command(BaseCommand):
    help = "Make the 2x2 poster grid shown by link previews for published comparisons without one."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Redraw every published one.")

    def handle(self, *args, all=False, **options):
        listed = Comparison.objects.published().order_by("pk")
        if not all:
            listed = listed.filter(share_image="")
        made = without = failed = 0
        for comparison in listed.iterator():
            try:
                if comparison_make_share_image(comparison):
                    made += 1
                else:
                    without += 1
            except ShareImageFailed as exc:
                failed += 1
                self.stderr.write(f"{comparison.slug}: {exc}")
        if made:
            invalidate_public_pages()
        self.stdout.write(
            f"Made {made} share image(s); {without} comparison(s) have no poster; {failed} failed."
        )
