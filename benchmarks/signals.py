"""Signals other apps listen to (cache invalidation, API callbacks). Sent after commit."""

from django.dispatch import Signal

#: A generation reached `complete` or `failed`. kwargs: generation (a Generation).
generation_finished = Signal()
#: Every generation of a run has ended. kwargs: run (a BenchmarkRun).
run_finished = Signal()
#: Staff tagged clips usable or unusable. kwargs: generation_ids (a list of pks).
clips_tagged = Signal()
