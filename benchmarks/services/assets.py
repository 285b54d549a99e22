"""Record the files a generation stored: one VideoAsset row per tier."""

from benchmarks.models import Generation, VideoAsset


def asset_save(
    generation: Generation, *, tier: str, key: str, sha256: str, content_type: str, **facts
) -> VideoAsset:
    """Create or replace `generation`'s asset of `tier` (a retried step overwrites its row)."""
    asset, _ = VideoAsset.objects.update_or_create(
        generation=generation,
        tier=tier,
        defaults={"key": key, "sha256": sha256, "content_type": content_type, **facts},
    )
    return asset


def original_save(generation: Generation, *, key: str, sha256: str, info) -> VideoAsset:
    """Record a stored original, described by its probe (a media_pipeline MediaInfo)."""
    return asset_save(
        generation,
        tier=VideoAsset.Tier.ORIGINAL,
        key=key,
        sha256=sha256,
        content_type="video/mp4",
        width=info.width,
        height=info.height,
        fps=info.fps,
        duration=info.duration,
        codec=info.video_codec,
        bitrate=info.bitrate,
        size_bytes=info.size_bytes,
    )


def tier_facts(tier) -> dict:
    """Return the asset fields of a transcoded tier (a media_pipeline TierFile)."""
    return {
        "width": tier.width,
        "height": tier.height,
        "fps": tier.fps,
        "duration": tier.duration,
        "codec": tier.codec,
        "bitrate": tier.bitrate,
        "size_bytes": tier.size_bytes,
    }
