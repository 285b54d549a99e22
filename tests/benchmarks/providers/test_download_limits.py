"""Downloads are capped while streaming: size (MEDIA_MAX_BYTES) and a total deadline (issue 13)."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.providers.base import (
    PermanentProviderError,
    TransientProviderError,
    stream_download,
)


class Sink(io.RawIOBase):
    """Counts what is written (a download's destination) without keeping it."""

    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


def _serve(handler_body):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            handler_body(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def serve():
    servers = []

    def start(body):
        server = _serve(body)
        servers.append(server)
        host, port = server.server_address[:2]
        return f"http://{host}:{port}/clip.mp4"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _chunked(handler, chunks, *, pause=0.0, length: int | None = None):
    handler.send_response(200)
    handler.send_header("Content-Type", "video/mp4")
    if length is None:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()
    try:
        for chunk in chunks:
            if length is None:
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            else:
                handler.wfile.write(chunk)
            handler.wfile.flush()
            time.sleep(pause)
        if length is None:
            handler.wfile.write(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass


def test_a_file_without_a_length_stops_at_the_limit_and_names_the_size(serve, settings):
    settings.MEDIA_MAX_BYTES = 1024 * 1024  # 1 MB; the server sends 50 MB
    url = serve(lambda h: _chunked(h, (b"x" * 65536 for _ in range(800))))
    sink = Sink()

    with pytest.raises(PermanentProviderError, match=r"over the 1\.0 MB limit \(MEDIA_MAX_BYTES\)"):
        stream_download(url, sink)

    assert sink.size <= settings.MEDIA_MAX_BYTES


def test_a_file_that_announces_too_much_is_not_read_at_all(serve, settings):
    settings.MEDIA_MAX_BYTES = 1024 * 1024
    url = serve(lambda h: _chunked(h, [b"x" * 65536] * 4, length=200 * 1024 * 1024))
    sink = Sink()

    with pytest.raises(PermanentProviderError, match=r"announces 200\.0 MB"):
        stream_download(url, sink)

    assert sink.size == 0


def test_a_trickling_server_is_cut_off_at_the_total_deadline(serve, settings):
    settings.DOWNLOAD_DEADLINE_SECONDS = 1
    url = serve(lambda h: _chunked(h, (b"x" for _ in range(100)), pause=0.1))
    started = time.monotonic()

    with pytest.raises(TransientProviderError, match="DOWNLOAD_DEADLINE_SECONDS"):
        stream_download(url, Sink())

    assert time.monotonic() - started < 3
