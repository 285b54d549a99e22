"""Blind media for the arena: each clip file of a pair under an opaque, short-lived URL, padded.

Public pages serve clips under content-addressed URLs, with their exact byte sizes. If the arena
served the same URLs (or the same bytes) a script could read the public pages, build a map of
URL, poster and size to model, and name both models of a pair before voting. So the arena:

- names each file of a pair (video tiers and poster) by a sealed, signed token that expires with
  the pair token and is bound to the voter: the URL says nothing, and changes with every pair;
- serves the file with a padding box appended, so that both clips of the pair have one common
  byte size, larger than either public file by a random share (docs/arena.md says why padding
  and not a second encode). An MP4 `free` box at the end of the file is skipped by every
  demuxer; bytes after a JPEG's end-of-image marker are ignored by every decoder;
- answers Range requests over the padded file (so Content-Range totals are the padded size),
  with an ETag derived from the token and a neutral file name.
"""

import hashlib
import random
import struct

from django.core import signing
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse

from arena import conf
from arena.services import SealedJSONSerializer
from benchmarks.models import VideoAsset
from media_pipeline.serve import parse_range

MEDIA_SALT = "arena.media"
CHUNK = 256 * 1024
#: The padded size is the larger file's size times 1 + a random share in this range: enough that
#: the exact public size of neither clip can be read back from the pair.
PAD_SHARE = (0.05, 0.5)
#: An MP4 box header: 32-bit size and type. Padding is never shorter than one.
BOX_HEADER = 8
#: Round padded sizes up to this, so sizes carry no low-order bits of the original.
PAD_ROUND = 4096
FILENAMES = {"video/mp4": "arena-clip.mp4", "image/jpeg": "arena-poster.jpg"}


def _size(asset: VideoAsset) -> int:
    return asset.size_bytes or asset.storage.size(asset.key)


def padded_size(sizes: list[int], rng=None) -> int:
    """Return one byte size for every file in `sizes`: above the largest by a random share."""
    rng = rng or random.SystemRandom()
    largest = max(sizes)
    target = largest * (1 + rng.uniform(*PAD_SHARE)) + BOX_HEADER
    return int(-(-target // PAD_ROUND) * PAD_ROUND)


def media_url(*, asset: VideoAsset, total: int, voter: str) -> str:
    """Return the opaque URL of `asset` served at `total` bytes to `voter`."""
    payload = [asset.pk, total, voter[:32]]
    token = signing.TimestampSigner(salt=MEDIA_SALT).sign_object(
        payload, serializer=SealedJSONSerializer
    )
    return reverse("arena:media", kwargs={"token": token})


def pair_media(left: dict[str, VideoAsset], right: dict[str, VideoAsset], *, voter: str, rng=None):
    """Return ({tier: url} of the left clip, of the right) for the tiers both clips have.

    Each tier of the pair is padded to one size shared by both sides.
    """
    urls: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for tier in (VideoAsset.Tier.STANDARD, VideoAsset.Tier.PREVIEW, VideoAsset.Tier.POSTER):
        if tier not in left or tier not in right:
            continue
        total = padded_size([_size(left[tier]), _size(right[tier])], rng)
        for side, assets in zip(urls, (left, right), strict=True):
            side[tier] = media_url(asset=assets[tier], total=total, voter=voter)
    return urls


def _claim(token: str, voter: str | None) -> tuple[VideoAsset, int]:
    """Return (asset, padded size) a media token names; 404 when forged, expired or not yours."""
    try:
        asset_id, total, owner = signing.TimestampSigner(salt=MEDIA_SALT).unsign_object(
            token,
            serializer=SealedJSONSerializer,
            max_age=conf.get("ARENA_TOKEN_MAX_AGE"),
        )
    except Exception as exc:  # a bad signature, an expired one, or bytes that are not ours
        raise Http404("No such clip.") from exc
    if voter is None or owner != voter[:32]:
        raise Http404("No such clip.")
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such clip.")
    return asset, int(total)


def padding(length: int) -> bytes:
    """Return `length` bytes of padding: one MP4 `free` box (zeros after a JPEG's end)."""
    return struct.pack(">I4s", length, b"free") + bytes(length - BOX_HEADER)


def _read(asset: VideoAsset, size: int, pad: bytes, start: int, end: int):
    """Yield bytes start..end (inclusive) of the file followed by its padding."""
    if start < size:
        with asset.storage.open(asset.key, "rb") as handle:
            handle.seek(start)
            remaining = min(end, size - 1) - start + 1
            while remaining > 0:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk
    if end >= size:
        yield pad[max(start - size, 0) : end - size + 1]


def media_response(request, token: str, *, voter: str | None) -> HttpResponse:
    """Answer a GET or HEAD for an arena media URL: the padded file, or the requested range."""
    asset, total = _claim(token, voter)
    try:
        size = asset.storage.size(asset.key)
    except OSError as exc:
        raise Http404("No such clip.") from exc
    # A wrong size_bytes on the row could leave no room for the box: pad by one box at least.
    total = max(total, size + BOX_HEADER)
    pad = padding(total - size)
    byte_range = parse_range(request.headers.get("Range", ""), total)
    if byte_range is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{total}"
    else:
        start, end = byte_range or (0, total - 1)
        body = _read(asset, size, pad, start, end) if request.method != "HEAD" else iter(())
        response = StreamingHttpResponse(
            body, status=206 if byte_range else 200, content_type=asset.content_type
        )
        response["Content-Length"] = str(end - start + 1)
        if byte_range:
            response["Content-Range"] = f"bytes {start}-{end}/{total}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = '"' + hashlib.sha256(token.encode()).hexdigest()[:32] + '"'
    response["Cache-Control"] = f"private, max-age={conf.get('ARENA_TOKEN_MAX_AGE')}"
    filename = FILENAMES.get(asset.content_type, "arena-file")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
