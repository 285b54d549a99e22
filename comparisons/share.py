"""What a shared link shows: a page's OpenGraph / Twitter card and a comparison's share image.

The share image is a 2x2 grid of the clips' posters (1200x630, the size link previews use), drawn
with OpenCV when a comparison is published (the task `comparison_make_share_image` wraps the
function of that name here) and stored in the default storage next to the clips' files, under
its content key (`share/ab/<sha256>.jpg`). Until it exists (or when no clip has a poster) pages
fall back to the first poster.
"""

import logging
import tempfile
from pathlib import Path

import cv2
import numpy
from django.conf import settings
from django.core.files.storage import storages

from benchmarks.models import VideoAsset
from media_pipeline.storage import store_file

logger = logging.getLogger(__name__)

#: The share image: 1200x630, four cells of 600x315.
WIDTH, HEIGHT = 1200, 630
CELL_W, CELL_H = WIDTH // 2, HEIGHT // 2
GRID_CLIPS = 4
JPEG_QUALITY = 88
TIER = "share"


class ShareImageFailed(Exception):
    """ffmpeg could not draw the share image (a retry with the same posters fails the same way)."""


def absolute(url: str) -> str:
    """Return `url` absolute, on SITE_URL when it is a path."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url


def poster_urls(generations) -> list[str]:
    """Return the poster URLs of `generations` (loaded with their assets), in order."""
    urls = []
    for generation in generations:
        for asset in generation.assets.all():
            if asset.tier == "poster":
                urls.append(asset.url)
    return urls


def comparison_image(comparison) -> str:
    """Return the absolute URL of the image a shared comparison shows ('' when it has none)."""
    if comparison.share_image:
        return absolute(storages["default"].url(comparison.share_image))
    posters = poster_urls(comparison.generations.all())
    return absolute(posters[0]) if posters else ""


def latest_image(comparison) -> str:
    """Return comparison_image() for a comparison loaded without its clips (one query at most)."""
    if comparison.share_image:
        return absolute(storages["default"].url(comparison.share_image))
    poster = (
        VideoAsset.objects.filter(tier=VideoAsset.Tier.POSTER, generation__comparisons=comparison)
        .order_by("generation_id")
        .first()
    )
    return absolute(poster.url) if poster else ""


def draw_grid(posters: list[bytes]) -> bytes:
    """Return a JPEG of up to four encoded posters in a 2x2 grid, each fitted (letterboxed in
    black) into its 600x315 cell; cells without a poster stay black."""
    canvas = numpy.zeros((HEIGHT, WIDTH, 3), dtype=numpy.uint8)
    for index, data in enumerate(posters[:GRID_CLIPS]):
        image = cv2.imdecode(numpy.frombuffer(data, dtype=numpy.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ShareImageFailed(f"Poster {index + 1} is not an image OpenCV can read.")
        height, width = image.shape[:2]
        scale = min(CELL_W / width, CELL_H / height)
        fitted_w, fitted_h = max(1, round(width * scale)), max(1, round(height * scale))
        fitted = cv2.resize(image, (fitted_w, fitted_h), interpolation=cv2.INTER_AREA)
        left = (index % 2) * CELL_W + (CELL_W - fitted_w) // 2
        top = (index // 2) * CELL_H + (CELL_H - fitted_h) // 2
        canvas[top : top + fitted_h, left : left + fitted_w] = fitted
    ok, encoded = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ShareImageFailed("OpenCV could not encode the share image.")
    return encoded.tobytes()


def comparison_make_share_image(comparison) -> str:
    """Draw the share image of `comparison` from its clips' posters, store it, save its key.

    Returns the key ('' when no clip has a poster yet). Saving the same grid twice stores nothing
    new: the key is the image's content hash.
    """
    generations = comparison.generations.order_by("pk").prefetch_related("assets")
    posters = [
        asset for generation in generations for asset in generation.assets.all()
        if asset.tier == "poster"
    ][:GRID_CLIPS]  # fmt: skip
    if not posters:
        return ""
    encoded = []
    for asset in posters:
        try:
            with asset.storage.open(asset.key, "rb") as source:
                encoded.append(source.read())
        except OSError:  # a poster row whose file is gone: the grid goes without it
            logger.warning("Share image of %s: poster %s is missing", comparison.slug, asset.key)
    if not encoded:
        return ""
    with tempfile.TemporaryDirectory(prefix="lockstep-share-") as tmp:
        out = Path(tmp) / "share.jpg"
        out.write_bytes(draw_grid(encoded))
        key, _ = store_file(out, tier=TIER)
    type(comparison).objects.filter(pk=comparison.pk).update(share_image=key)
    comparison.share_image = key
    return key
