"""Serve media from the local disk with HTTP Range support (the embedded default).

Browsers need byte ranges to seek in a video; Django's static `serve` view answers only whole
files. Production serves media from S3 behind a CDN instead, which handles ranges itself.
"""

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
#: No file has an offset of more digits than this (10**18 bytes is an exabyte): longer numbers
#: are absurd, answered 416 (and Python refuses int() of more than 4,300 digits anyway).
MAX_RANGE_DIGITS = 18
CHUNK = 256 * 1024
#: Keys are content-addressed, so a URL always names the same bytes.
IMMUTABLE = "public, max-age=31536000, immutable"


def _file_or_404(root: Path, path: str) -> Path:
    try:
        full = Path(safe_join(root, path))
    except Exception as exc:  # SuspiciousFileOperation: a path outside the root
        raise Http404("No such file.") from exc
    if not full.is_file():
        raise Http404("No such file.")
    return full


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """Return (start, end) of one byte range (inclusive), None if absent, False if unsatisfiable."""
    match = RANGE_RE.match(header.strip()) if header else None
    if not match:
        return None  # absent or a form we don't serve (multiple ranges): send the whole file
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if len(first.lstrip("0")) > MAX_RANGE_DIGITS or len(last.lstrip("0")) > MAX_RANGE_DIGITS:
        return False
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _read_slice(path: Path, start: int, end: int):
    with open(path, "rb") as fh:
        fh.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def ranged_file_response(request, full: Path, *, cache_control: str) -> HttpResponse:
    """Answer with the whole file, or with the requested byte range (206)."""
    size = full.stat().st_size
    content_type = mimetypes.guess_type(full.name)[0] or "application/octet-stream"
    byte_range = parse_range(request.headers.get("Range", ""), size)
    if byte_range is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range is None:
        # FileResponse closes the file when the response is done.
        response = FileResponse(open(full, "rb"), content_type=content_type)  # noqa: SIM115
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _read_slice(full, start, end), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    if request.method == "HEAD" and byte_range is not False:
        response.streaming_content = iter(())  # headers only
    return response


@require_safe
def serve_media(request, path):
    """Serve a public tier (standard, preview, poster) from MEDIA_ROOT."""
    return ranged_file_response(
        request, _file_or_404(Path(settings.MEDIA_ROOT), path), cache_control=IMMUTABLE
    )


@staff_member_required
@require_safe
def serve_original(request, path):
    """Serve an original: private, staff only."""
    full = _file_or_404(Path(settings.ORIGINALS_ROOT), path)
    return ranged_file_response(request, full, cache_control="private, no-store")
