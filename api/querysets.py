"""Reads of the API: what a token's owner may see."""

from benchmarks.models import BenchmarkRun, Generation

#: Postgres bigint: an id past it can't exist, and asking would be a database error.
MAX_ID = 2**63 - 1


def runs_visible_to(user):
    """Return the runs `user` may read through the API: their own, or all for staff."""
    runs = BenchmarkRun.objects.with_generations()
    return runs if user.is_staff else runs.filter(requested_by=user)


def generations_visible_to(user):
    """Return the generations `user` may read, with model and assets loaded."""
    generations = Generation.objects.select_related("video_model").prefetch_related("assets")
    return generations if user.is_staff else generations.filter(run__requested_by=user)
