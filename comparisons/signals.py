"""Signals of the public side. Sent after commit."""

from django.dispatch import Signal

#: A comparison was published or re-published. kwargs: comparison.
comparison_published = Signal()
