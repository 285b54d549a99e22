"""Record the files a generation stored: one VideoAsset row per tier."""

import shutil
import tempfile

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
        has_audio=info.has_audio,
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
        # A poster has no audio track to probe.
        "has_audio": tier.has_audio if tier.content_type.startswith("video/") else None,
    }


def asset_probe_audio(asset: VideoAsset) -> bool:
    """Probe whether `asset`'s file has an audio track, store it on the row and return it."""
    from media_pipeline.probe import read_header

    suffix = "." + asset.key.rsplit(".", 1)[-1] if "." in asset.key else ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with asset.storage.open(asset.key, "rb") as source:
            shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.flush()
        asset.has_audio = read_header(copy.name).audio is not None
    VideoAsset.objects.filter(pk=asset.pk).update(has_audio=asset.has_audio)
    return asset.has_audio
