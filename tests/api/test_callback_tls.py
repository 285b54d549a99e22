"""https callbacks connect to the address that passed the SSRF check, and still verify the
certificate against the URL's host name (SNI), so DNS rebinding can't redirect a delivery."""

import contextlib
import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api import callbacks
from api.models import ApiToken, CallbackDelivery, RunCallback
from tests.factories import GenerationFactory, UserFactory

pytestmark = pytest.mark.django_db
HOST = "callbacks.lockstep.test"


def _self_signed(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path, settings, monkeypatch):
    """An https receiver on 127.0.0.1 whose certificate names HOST; HOST 'resolves' there."""
    settings.CALLBACK_ALLOW_PRIVATE = True
    cert, key = _self_signed(tmp_path, HOST)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    real_getaddrinfo = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == HOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(callbacks, "TLS_VERIFY", ssl.create_default_context(cafile=str(cert)))
    yield port, seen
    server.shutdown()
    server.server_close()


def _deliver_to(url: str) -> CallbackDelivery:
    token, _ = ApiToken.issue(user=UserFactory(), name="tls")
    generation = GenerationFactory(run__requested_by=token.user)
    callback = RunCallback.objects.create(
        run=generation.run, url=url, signing_secret=token.signing_secret
    )
    message = callbacks.callback_enqueue(callback=callback, event="generation.finished", data={})
    with contextlib.suppress(callbacks.CallbackRetry):
        callbacks.callback_deliver(message_id=message.message_id)
    return CallbackDelivery.objects.get()


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(tls_receiver):
    port, seen = tls_receiver

    attempt = _deliver_to(f"https://{HOST}:{port}/hook")

    # httpx never resolved HOST itself (only our patched check did): it connected by address.
    assert attempt.status == CallbackDelivery.Status.DELIVERED, attempt.error
    assert seen == [f"{HOST}:{port}"]


def test_a_certificate_for_another_name_is_refused(tls_receiver, monkeypatch):
    port, seen = tls_receiver
    real = socket.getaddrinfo

    def other_name(host, *args, **kwargs):
        return real(HOST if host == "impostor.lockstep.test" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", other_name)

    attempt = _deliver_to(f"https://impostor.lockstep.test:{port}/hook")

    assert attempt.status == CallbackDelivery.Status.FAILED
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error or "certificate" in attempt.error.lower()
    assert seen == []
