"""Fill in `VideoAsset.has_audio` for video files stored before it was probed."""

from django.core.management.base import BaseCommand

from benchmarks.models import VideoAsset
from benchmarks.services.assets import asset_probe_audio
from media_pipeline.errors import InvalidMedia


class Command(BaseCommand):
    help = "Probe the audio track of every video file whose has_audio is unknown."

    def handle(self, *args, **options):
        assets = VideoAsset.objects.filter(
            has_audio__isnull=True, content_type__startswith="video/"
        ).order_by("pk")
        probed = with_audio = failed = 0
        for asset in assets.iterator():
            try:
                with_audio += asset_probe_audio(asset)
                probed += 1
            except (InvalidMedia, OSError) as exc:
                failed += 1
                self.stderr.write(f"asset #{asset.pk} ({asset.key}): {exc}")
        self.stdout.write(
            f"Probed {probed} video file(s): {with_audio} with audio; {failed} unreadable."
        )
