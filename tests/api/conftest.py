"""Fixtures of the API tests: a user with a token, a client that sends it, models to run."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from api.models import ApiToken
from tests.factories import PriceFactory, UserFactory, VideoModelFactory


@pytest.fixture
def api_user(db):
    return UserFactory()


@pytest.fixture
def token(api_user):
    """Return (ApiToken, raw token)."""
    return ApiToken.issue(user=api_user, name="tests")


@pytest.fixture
def api_client(token):
    return Client(headers={"Authorization": f"Bearer {token[1]}"})


@pytest.fixture
def video_models(db):
    """The demo plugins: text-to-video only, 5 or 8 s."""
    return [VideoModelFactory(slug=slug) for slug in ("local-smooth", "local-flicker")]


@pytest.fixture
def image_model(db, settings):
    """Runway Gen-4.5: takes a reference image, 5 or 10 s, 16:9 or 9:16; its key set, priced."""
    settings.RUNWAY_API_KEY = "test-key"
    model = VideoModelFactory(slug="runway-gen4-5", synthetic=False)
    PriceFactory(video_model=model, amount="0.10")
    return model


def submit(client, body, *, key=None, **headers):
    """POST a run the way a script would."""
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/runs", body, content_type="application/json", headers=headers)


class Receiver:
    """A webhook receiver on loopback that answers the statuses it is given, in turn."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory(settings):
    """Return a function that starts a Receiver; callbacks may go to loopback meanwhile."""
    settings.CALLBACK_ALLOW_PRIVATE = True
    made = []

    def make(*statuses):
        made.append(Receiver(statuses or (200,)))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()
