"""Celery tasks of the public side: thin wrappers around comparisons' services."""

from celery import shared_task

from comparisons import share
from comparisons.cache import invalidate_public_pages
from comparisons.models import Comparison


@shared_task(ignore_result=True)
def comparison_make_share_image(comparison_id: int):
    """Draw a published comparison's share image, then let its pages show it."""
    comparison = Comparison.objects.filter(pk=comparison_id, published=True).first()
    if comparison is not None and share.comparison_make_share_image(comparison):
        invalidate_public_pages()
