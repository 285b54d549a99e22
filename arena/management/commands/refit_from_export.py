"""Recompute the arena's published ratings from the open votes export, and compare them.

    python manage.py refit_from_export lockstep-votes.csv            # print the ratings
    python manage.py refit_from_export lockstep-votes.csv --compare  # and check the site's

The export (/api/v1/export/votes.csv) holds every vote on public clips; the ones with
counted=True are exactly the votes the published ratings were fitted from, in the same order.
Point ratings are deterministic; the 95 % intervals come from a random bootstrap and are not
compared.
"""

import csv
import sys

from django.core.management.base import BaseCommand, CommandError

from arena.models import Rating, RatingFit
from arena.ratings import fit
from arena.services import fit_groups

#: How far a refitted rating may be from the site's (Elo points).
TOLERANCE = 1e-9


def refit_from_rows(rows) -> dict[tuple[str, str], dict[str, float]]:
    """Return {(pool, category): {model slug: rating}} fitted from export rows (dicts)."""
    counted = (
        (r["pool"], r["category"], r["model_a"], r["model_b"], r["outcome"])
        for r in rows
        if r["counted"] == "True"
    )
    return {
        key: {r.model_id: r.rating for r in fit(group, rounds=0)}
        for key, group in sorted(fit_groups(counted).items())
    }


def site_ratings() -> dict[tuple[str, str], dict[str, float]]:
    """Return {(pool, category): {model slug: rating}} of the site's current fits."""
    ratings: dict[tuple[str, str], dict[str, float]] = {}
    for fit_row in RatingFit.objects.current().filter(vote_count__gt=0):
        ratings[(fit_row.pool, fit_row.category)] = dict(
            Rating.objects.filter(fit=fit_row).values_list("video_model__slug", "rating")
        )
    return ratings


def differences(mine, theirs) -> list[str]:
    """Return a line for each rating that is missing on one side or differs by over TOLERANCE."""
    lines = []
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key, {}), theirs.get(key, {})
        for slug in sorted(set(a) | set(b)):
            if slug not in a or slug not in b or abs(a[slug] - b[slug]) > TOLERANCE:
                lines.append(f"{key[0]} {key[1] or 'all'} {slug}: {a.get(slug)} vs {b.get(slug)}")
    return lines


class Command(BaseCommand):
    help = "Refit the arena ratings from a votes export (CSV); --compare checks the site's."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The votes export, as CSV ('-' reads standard input).")
        parser.add_argument(
            "--compare", action="store_true", help="Fail unless the site's ratings agree."
        )

    def handle(self, *args, file, compare, **options):
        handle = sys.stdin if file == "-" else open(file, newline="", encoding="utf-8")  # noqa: SIM115
        with handle:
            mine = refit_from_rows(csv.DictReader(handle))
        for (pool, category), ratings in mine.items():
            for slug, rating in sorted(ratings.items(), key=lambda item: -item[1]):
                self.stdout.write(f"{pool}\t{category or 'all'}\t{slug}\t{rating:.9f}")
        if compare:
            lines = differences(mine, site_ratings())
            if lines:
                raise CommandError("Ratings differ from the site's:\n" + "\n".join(lines))
            self.stdout.write(f"All ratings agree with the site's to {TOLERANCE:g}.")
