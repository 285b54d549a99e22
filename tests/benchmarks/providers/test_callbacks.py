"""Fakes call back like their providers do, and each plugin reads its own provider's callback."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.providers import signatures
from benchmarks.providers.registry import get_plugin
from tests.fakes.webhooks import TEST_SECRET

#: provider slug -> (plugin key, whether its callbacks are signed and so trusted)
CALLBACK_MODELS = {
    "luma": ("luma-ray-2", False),
    "openai": ("openai-sora-2", True),
    "veo": ("veo-3-1", True),
    "kling": ("kling-v2-5-turbo", False),
    "minimax": ("minimax-hailuo-02", False),
    "fal": ("pika-2-2", True),
    "replicate": ("wan-2-5-t2v", True),
}


class Receiver:
    """A stand-in for our webhook view: answers handshakes, keeps every other delivery."""

    def __init__(self, plugin):
        self.plugin = plugin
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/"

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                answer = receiver.plugin.webhook_challenge(body)
                if answer is None:
                    receiver.received.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                payload = json.dumps(answer or {}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler

    def wait(self) -> tuple[dict[str, str], bytes]:
        return wait_for(lambda: self.received)[0]


def wait_for(read, timeout: float = 5.0):
    """Return `read()` once it is non-empty; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert value, "nothing arrived in time"
    return value


@pytest.mark.parametrize("slug", sorted(CALLBACK_MODELS))
def test_a_finished_job_calls_back_and_the_plugin_reads_the_callback(slug, provider_fake, settings):
    key, signed = CALLBACK_MODELS[slug]
    signatures.clear_jwks_cache()
    settings.OPENAI_WEBHOOK_SECRET = settings.GEMINI_WEBHOOK_SECRET = TEST_SECRET
    settings.REPLICATE_WEBHOOK_SECRET = TEST_SECRET
    receiver = Receiver(get_plugin(key))
    try:
        harness = provider_fake(slug, key, callbacks=True, webhook_url=receiver.url)
        job_id = harness.plugin.submit(harness.request(callback_url=receiver.url)).job_id
        headers, body = receiver.wait()
        event = harness.plugin.parse_webhook(headers, body)
        assert event.job_id == job_id
        assert event.trusted is signed
        assert wait_for(lambda: harness.fake.deliveries)[0]["status"] == 200
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
