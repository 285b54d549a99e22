"""Everything that touches video bytes: probe and validate, transcode to web tiers, score.

Entry points: ``probe.probe`` / ``probe.validate``, ``transcode.transcode_tiers`` and
``metrics.score_video`` (``metrics.temporal_coherence`` for the seed's four numbers). Each raises
``errors.InvalidMedia`` with a one-line reason when a file can't be used.
"""
