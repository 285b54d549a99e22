"""What a generation produced: stored files per tier and the quality report."""

from django.core.files.storage import storages
from django.db import models
from django.utils import timezone


class VideoAsset(models.Model):
    class Tier(models.TextChoices):
        ORIGINAL = "original"  # as generated, private cold storage
        STANDARD = "standard"  # 720p H.264 + AAC
        PREVIEW = "preview"  # 480p, heavily compressed
        POSTER = "poster"  # JPEG

    generation = models.ForeignKey(
        "benchmarks.Generation", on_delete=models.CASCADE, related_name="assets"
    )
    tier = models.CharField(max_length=10, choices=Tier)
    #: Content-addressed key in its storage ("originals" for the original tier, else "default").
    key = models.CharField(max_length=300)
    content_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=0)
    duration = models.FloatField(default=0)
    codec = models.CharField(max_length=40, blank=True)
    bitrate = models.PositiveBigIntegerField(default=0)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    #: Whether the file has an audio track, as probed; None until probed (rows made before the
    #: field existed: `manage.py probe_audio` fills them in). The arena pools clips by it.
    has_audio = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["generation", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "tier"], name="asset_one_per_tier"),
        ]

    def __str__(self):
        return f"{self.generation_id}/{self.tier}"

    @property
    def storage(self):
        return storages["originals" if self.tier == self.Tier.ORIGINAL else "default"]

    @property
    def url(self) -> str:
        return self.storage.url(self.key)


class QualityReport(models.Model):
    generation = models.OneToOneField(
        "benchmarks.Generation", on_delete=models.CASCADE, related_name="quality_report"
    )
    algorithm_version = models.CharField(max_length=20)
    sample_rate = models.PositiveSmallIntegerField(default=5)
    mean_coherence = models.FloatField()
    min_coherence = models.FloatField()
    std_coherence = models.FloatField()
    frame_count = models.PositiveIntegerField()
    flicker_score = models.FloatField(default=0)
    flicker_spikes = models.JSONField(default=list, blank=True)
    motion_mean = models.FloatField(default=0)
    frozen_fraction = models.FloatField(default=0)
    black_fraction = models.FloatField(default=0)
    sharpness = models.FloatField(default=0)
    #: Per-frame series for the player's timeline: {"ssim": [[t, v], ...], "diff": [[t, v], ...]}.
    series = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frame_count__gte=1), name="quality_report_has_frames"
            ),
        ]

    def __str__(self):
        return f"Quality of {self.generation_id} (v{self.algorithm_version})"
