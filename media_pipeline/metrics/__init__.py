"""Quality metrics of a clip: temporal coherence (the seed's SSIM), flicker, motion, frozen and
black frames, sharpness, and the per-frame series the player draws."""

from media_pipeline.metrics.coherence import temporal_coherence
from media_pipeline.metrics.scores import ALGORITHM_VERSION, QualityScores, score_video

__all__ = ["ALGORITHM_VERSION", "QualityScores", "score_video", "temporal_coherence"]
