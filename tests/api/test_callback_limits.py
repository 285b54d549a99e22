"""Callbacks out: a total deadline per attempt; no IPv6 form of a private IPv4; no port 0."""

import socket
import threading
import time

import pytest

from api import callbacks
from api.callbacks import CallbackRetry, CallbackUrlRefused, callback_deliver, check_callback_url
from api.models import ApiToken, CallbackDelivery, RunCallback
from tests.factories import GenerationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a00:5]/hook",  # NAT64 of 10.0.0.5
        "http://[64:ff9b:1::a9fe:a9fe]/hook",  # local-use NAT64 of 169.254.169.254
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/hook",  # 6to4 of 192.168.1.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
        "http://[::127.0.0.1]/hook",  # IPv4-compatible
        "http://93.184.216.34:0/hook",
    ],
)
def test_ipv6_forms_of_private_ipv4_and_port_0_are_refused(url):
    with pytest.raises(CallbackUrlRefused):
        check_callback_url(url)


def test_a_nat64_form_of_a_public_address_is_allowed():
    assert check_callback_url("http://[64:ff9b::5db8:d822]/hook") == ["64:ff9b::5db8:d822"]


class Trickler:
    """A receiver that answers one byte every `pause` seconds: never idle past a read timeout."""

    def __init__(self, pause=0.2):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.pause = pause
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.sock.accept()
        conn.recv(65536)
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        try:
            for byte in answer * 50:
                conn.send(bytes([byte]))
                time.sleep(self.pause)
        except OSError:
            pass
        finally:
            conn.close()


def test_an_attempt_ends_at_its_total_deadline_whatever_the_receiver_does(settings, monkeypatch):
    settings.CALLBACK_ALLOW_PRIVATE = True
    monkeypatch.setattr(callbacks, "CALLBACK_DEADLINE_SECONDS", 1.0)
    token, _ = ApiToken.issue(user=UserFactory(), name="cb")
    generation = GenerationFactory(run__requested_by=token.user)
    receiver = Trickler()
    callback = RunCallback.objects.create(
        run=generation.run, url=receiver.url, signing_secret=token.signing_secret
    )
    message = callbacks.callback_enqueue(
        callback=callback, event="generation.finished", data={"id": generation.pk}
    )
    started = time.monotonic()

    with pytest.raises(CallbackRetry):
        callback_deliver(message_id=message.message_id)

    assert time.monotonic() - started < 3
    attempt = CallbackDelivery.objects.get(pk=message.pk)
    assert attempt.status == CallbackDelivery.Status.FAILED
    assert "longer than 1 s in total" in attempt.error
