"""``manage.py transcode_video PATH --out DIR``: write the web tiers and print a manifest."""

import json

from django.core.management.base import BaseCommand, CommandError

from media_pipeline.errors import InvalidMedia
from media_pipeline.transcode import transcode_tiers


class Command(BaseCommand):
    requires_system_checks = []  # works on files only; no database or URLs involved
    help = "Transcode a video into the standard, preview and poster tiers (one ffmpeg pass)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="source video file")
        parser.add_argument("--out", required=True, help="directory to write the tiers into")

    def handle(self, *args, **options):
        try:
            tiers = transcode_tiers(options["path"], options["out"])
        except InvalidMedia as exc:
            raise CommandError(f"{options['path']}: {exc}") from None
        manifest = [
            {
                "tier": tier.tier,
                "path": str(tier.path),
                "content_type": tier.content_type,
                "width": tier.width,
                "height": tier.height,
                "fps": round(tier.fps, 3),
                "duration": round(tier.duration, 3),
                "codec": tier.codec,
                "bitrate": tier.bitrate,
                "bytes": tier.size_bytes,
                "sha256": tier.sha256,
            }
            for tier in tiers
        ]
        self.stdout.write(json.dumps(manifest, indent=2))
