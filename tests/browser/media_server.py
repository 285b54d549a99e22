"""A threaded loopback HTTP server for browser tests: static files, Range, optional throttling."""

import contextlib
import mimetypes
import re
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 16 * 1024
RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)$")


class MediaServer:
    """Serve directories (`mounts`: URL prefix -> folder) and in-memory `pages` on 127.0.0.1.

    `throttle` maps a URL path to a rate in bytes per second; other files go at full speed.
    """

    def __init__(self, mounts: dict[str, Path]):
        self.mounts = {prefix: Path(folder).resolve() for prefix, folder in mounts.items()}
        self.pages: dict[str, bytes] = {}
        self.throttle: dict[str, float] = {}
        self.requests: list[tuple[str, str]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def start(self) -> "MediaServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def resolve(self, path: str) -> Path | None:
        for prefix, folder in self.mounts.items():
            if not path.startswith(prefix):
                continue
            candidate = (folder / path[len(prefix) :]).resolve()
            if folder in candidate.parents and candidate.is_file():
                return candidate
        return None


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte span a Range header asks for, or None for the whole file."""
    match = RANGE_RE.match(header or "")
    if not match:
        return None
    first, last = match.groups()
    if not first:  # suffix range: the last N bytes
        return max(0, size - int(last)), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


def _handler_for(server: MediaServer):
    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep pytest output clean
            pass

        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            server.requests.append((path, self.headers.get("Range", "")))
            if path in server.pages:
                return self._send_bytes(server.pages[path], "text/html; charset=utf-8")
            file = server.resolve(path)
            if file is None:
                return self.send_error(404)
            self._send_file(file, server.throttle.get(path))

        def _send_bytes(self, body: bytes, content_type: str):
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _send_file(self, file: Path, rate: float | None):
            size = file.stat().st_size
            span = parse_range(self.headers.get("Range"), size)
            first, last = span or (0, size - 1)
            if first >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                return self.end_headers()
            self.send_response(206 if span else 200)
            if span:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(last - first + 1))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            # the browser cancels ranges it no longer needs
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                _copy(file, first, last, self.wfile, rate)

    return Handler


def _copy(file: Path, first: int, last: int, out, rate: float | None) -> None:
    started = time.monotonic()
    sent = 0
    with file.open("rb") as source:
        source.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            block = source.read(min(CHUNK, remaining))
            if not block:
                break
            out.write(block)
            sent += len(block)
            remaining -= len(block)
            if rate:
                # pace against the start so the average rate holds whatever the chunk timing
                time.sleep(max(0.0, started + sent / rate - time.monotonic()))
