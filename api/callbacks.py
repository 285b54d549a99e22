"""Outgoing callbacks: when a run or one of its generations ends, POST it to the run's URL.

Deliveries are signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256>` with the token's `whsec_` secret). The `webhook-id`
stays the same across retries of one message, so a receiver can drop duplicates. Every attempt
is a CallbackDelivery row. Only http(s) URLs whose every address is public are called (SSRF);
the connection goes to the address we checked, so a DNS answer that changes in between
(rebinding) can't redirect it. Redirects are not followed.
"""

import contextlib
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import IntegrityError
from django.dispatch import receiver
from django.utils import timezone

from api.models import CallbackDelivery, RunCallback
from api.representations import generation_json, run_json
from benchmarks.models import BenchmarkRun, Generation
from benchmarks.providers.signatures import sign_standard_webhook
from benchmarks.signals import generation_finished, run_finished

logger = logging.getLogger(__name__)
Status = CallbackDelivery.Status

CALLBACK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: One attempt ends this long after it started, whatever the receiver does: the per-read timeout
#: alone lets a receiver that sends a byte a second hold a worker indefinitely.
CALLBACK_DEADLINE_SECONDS = 10.0
#: NAT64 prefixes: the last 32 bits are an IPv4 address (RFC 6052 well-known, RFC 8215 local).
NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
#: Retries stop this long after the first attempt (Standard Webhooks senders retry ~a day).
GIVE_UP_AFTER = timedelta(days=1)
#: A claimed attempt older than this belongs to a worker that died: it counts as failed.
SENDING_STALE_AFTER = timedelta(minutes=2)
RESPONSE_KEEP = 2000
#: Certificate verification for https receivers (tests swap in a context trusting their own CA).
TLS_VERIFY: "ssl.SSLContext | bool" = True
USER_AGENT = "Lockstep-Webhooks/1"


class CallbackUrlRefused(Exception):
    """The URL may not be called: wrong scheme, unresolvable, or a non-public address."""


class CallbackHostUnresolved(CallbackUrlRefused):
    """The host did not resolve: refused at submission, but retried at delivery (DNS hiccups)."""


class CallbackRetry(Exception):
    """The receiver did not answer 2xx; another attempt follows with backoff."""


def check_callback_url(url: str) -> list[str]:
    """Return the addresses `url` may be called at, or raise CallbackUrlRefused saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise CallbackUrlRefused("The URL is malformed.") from None
    if parts.scheme not in ("http", "https"):
        raise CallbackUrlRefused("Only http and https URLs are allowed.")
    host = parts.hostname
    if not host:
        raise CallbackUrlRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise CallbackUrlRefused("The URL must not carry credentials.")
    if port == 0:
        raise CallbackUrlRefused("Port 0 is not a port a receiver can listen on.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise CallbackHostUnresolved(f"The host {host!r} does not resolve.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise CallbackHostUnresolved(f"The host {host!r} does not resolve.")
    if not settings.CALLBACK_ALLOW_PRIVATE:
        for address in addresses:
            if not _is_public(address):
                raise CallbackUrlRefused(
                    f"The host {host!r} resolves to {address}, a loopback, private or reserved "
                    "address; callbacks only go to public addresses."
                )
    return addresses


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates = [ip, *_embedded_ipv4(ip)] if isinstance(ip, ipaddress.IPv6Address) else [ip]
    return all(each.is_global and not each.is_multicast for each in candidates)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address carries: a gateway may route to them.

    IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), 6to4 (2002::/16), Teredo
    (2001::/32, server and client) and NAT64 (64:ff9b::/96, 64:ff9b:1::/48).
    """
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    found = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if int(ip) >> 32 == 0:
        found.append(low32)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    if any(ip in prefix for prefix in NAT64_PREFIXES):
        found.append(low32)
    return found


# -- enqueue ---------------------------------------------------------------------------------


def callback_enqueue(*, callback: RunCallback, event: str, data: dict) -> CallbackDelivery:
    """Record the first attempt of a new message and queue its delivery."""
    from api import tasks

    now = timezone.now()
    delivery = CallbackDelivery.objects.create(
        callback=callback,
        message_id=f"msg_{uuid.uuid4().hex}",
        event=event,
        payload={"type": event, "timestamp": now.isoformat(), "data": data},
        created_at=now,
    )
    tasks.callback_deliver.delay_on_commit(delivery.message_id)
    return delivery


@receiver(generation_finished, dispatch_uid="api.callbacks.generation_finished")
def _generation_finished(sender, generation: Generation, **kwargs):
    callback = RunCallback.objects.filter(run_id=generation.run_id).first()
    if callback is None:
        return
    generation = (Generation.objects.select_related("video_model").prefetch_related("assets")).get(
        pk=generation.pk
    )
    _enqueue_safely(callback, "generation.finished", lambda: generation_json(generation))


@receiver(run_finished, dispatch_uid="api.callbacks.run_finished")
def _run_finished(sender, run: BenchmarkRun, **kwargs):
    callback = RunCallback.objects.filter(run_id=run.pk).first()
    if callback is None:
        return
    run = BenchmarkRun.objects.with_generations().get(pk=run.pk)
    _enqueue_safely(callback, "run.finished", lambda: run_json(run))


def _enqueue_safely(callback: RunCallback, event: str, make_data) -> None:
    # The signal fires inside the pipeline's on-commit hook: a broker hiccup here must not
    # fail the generation step that sent it. The row stays pending for an operator to see.
    try:
        callback_enqueue(callback=callback, event=event, data=make_data())
    except Exception:
        logger.exception(
            "Could not queue the %s callback of run %s",
            event,
            callback.run_id,
            extra={"run_id": callback.run_id},
        )


# -- deliver ---------------------------------------------------------------------------------


def callback_deliver(*, message_id: str, last_try: bool = False) -> CallbackDelivery | None:
    """Make the next attempt at message `message_id`; return its row, or None if none is due.

    Raise CallbackRetry when the attempt failed and another one should follow.
    """
    attempt = _claim_attempt(message_id)
    if attempt is None:
        return None
    started = time.monotonic()
    # Each outcome but a refusal sets (status_code, text, error); error is "" only on a 2xx.
    try:
        addresses = check_callback_url(attempt.callback.url)
    except CallbackHostUnresolved as exc:
        status_code, text, error = None, "", str(exc)
    except CallbackUrlRefused as exc:
        _finish(attempt, Status.REFUSED, error=str(exc))
        return attempt
    else:
        try:
            signed = _signed_headers(attempt, attempt.callback)
            status_code, text = _post(attempt.callback.url, addresses[0], signed)
        except httpx.HTTPError as exc:
            status_code, text, error = None, "", f"{exc.__class__.__name__}: {exc}"
        else:
            ok = 200 <= status_code < 300
            error = "" if ok else f"The receiver answered {status_code}."
    elapsed = int((time.monotonic() - started) * 1000)
    if not error:
        _finish(attempt, Status.DELIVERED, code=status_code, text=text, ms=elapsed)
        return attempt
    return _attempt_failed(
        attempt, message_id, last_try=last_try, code=status_code, text=text, ms=elapsed, error=error
    )


def _attempt_failed(
    attempt: CallbackDelivery,
    message_id: str,
    *,
    last_try: bool,
    code: int | None,
    text: str,
    ms: int,
    error: str,
) -> CallbackDelivery:
    """Record a failed attempt; raise CallbackRetry unless it is time to give up on the message.

    That time is the last try, or GIVE_UP_AFTER since the message's first attempt.
    """
    first = CallbackDelivery.objects.of_message(message_id).first()
    give_up = last_try or timezone.now() - first.created_at >= GIVE_UP_AFTER
    status = Status.GAVE_UP if give_up else Status.FAILED
    _finish(attempt, status, code=code, text=text, ms=ms, error=error)
    logger.warning(
        "Callback %s attempt %s for run %s failed: %s",
        message_id, attempt.attempt, attempt.callback.run_id, error,
        extra={"run_id": attempt.callback.run_id},
    )  # fmt: skip
    if not give_up:
        raise CallbackRetry(error)
    return attempt


def _claim_attempt(message_id: str) -> CallbackDelivery | None:
    """Return the attempt to make now, claimed for this worker, or None."""
    attempts = list(CallbackDelivery.objects.of_message(message_id).select_related("callback"))
    if not attempts:
        return None
    latest = attempts[-1]
    now = timezone.now()
    if latest.status == Status.SENDING and latest.attempted_at < now - SENDING_STALE_AFTER:
        CallbackDelivery.objects.filter(pk=latest.pk, status=Status.SENDING).update(
            status=Status.FAILED, error="The worker making this attempt was lost."
        )
        latest.status = Status.FAILED
    if latest.status == Status.FAILED:
        try:
            latest = CallbackDelivery.objects.create(
                callback=latest.callback,
                message_id=message_id,
                event=latest.event,
                attempt=latest.attempt + 1,
                payload=latest.payload,
            )
        except IntegrityError:
            return None  # another worker is making this attempt
    if latest.status != Status.PENDING:
        return None  # delivered, refused, given up, or being sent
    claimed = CallbackDelivery.objects.filter(pk=latest.pk, status=Status.PENDING).update(
        status=Status.SENDING, attempted_at=now
    )
    if not claimed:
        return None
    latest.status, latest.attempted_at = Status.SENDING, now
    return latest


def _signed_headers(attempt: CallbackDelivery, callback: RunCallback) -> tuple[dict, bytes]:
    """Return the Standard Webhooks headers and the body of one attempt, signed now."""
    body = json.dumps(attempt.payload, separators=(",", ":")).encode()
    stamp = int(time.time())
    signature = sign_standard_webhook(callback.signing_secret, attempt.message_id, stamp, body)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": attempt.message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature,
    }
    return headers, body


def _post(url: str, address: str, signed: tuple[dict, bytes]) -> tuple[int, str]:
    """POST to `url` connecting to `address`, the one we checked; return (status, body start).

    The whole attempt ends after CALLBACK_DEADLINE_SECONDS: a watchdog shuts the socket down,
    which wakes a read blocked on a receiver that trickles its answer.
    """
    headers, body = signed
    parts = urlsplit(url)
    ip = address.split("%", 1)[0]
    netloc = f"[{ip}]" if ":" in ip else ip
    if parts.port:
        netloc += f":{parts.port}"
    pinned = parts._replace(netloc=netloc).geturl()
    host_header = parts.hostname + (f":{parts.port}" if parts.port else "")
    sockets: list[socket.socket] = []
    expired = threading.Event()

    def trace(event: str, info: dict) -> None:
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None:
                sockets.append(sock)
                if expired.is_set():
                    _shut(sock)

    def expire() -> None:
        expired.set()
        for sock in sockets:
            _shut(sock)

    extensions = {"trace": trace}
    if parts.scheme == "https":
        extensions["sni_hostname"] = parts.hostname
    client = httpx.Client(
        timeout=CALLBACK_TIMEOUT, follow_redirects=False, trust_env=False, verify=TLS_VERIFY
    )
    watchdog = threading.Timer(CALLBACK_DEADLINE_SECONDS, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        with client:
            request = client.build_request(
                "POST", pinned, headers={**headers, "host": host_header}, content=body,
                extensions=extensions,
            )  # fmt: skip
            response = client.send(request, stream=True)
            try:
                text = b""
                for chunk in response.iter_bytes():
                    text += chunk
                    if len(text) >= RESPONSE_KEEP or expired.is_set():
                        break
            finally:
                response.close()
    except httpx.HTTPError as exc:
        if expired.is_set():
            raise httpx.TimeoutException(
                f"The receiver took longer than {CALLBACK_DEADLINE_SECONDS:g} s in total."
            ) from exc
        raise
    finally:
        watchdog.cancel()
    if expired.is_set():
        raise httpx.TimeoutException(
            f"The receiver took longer than {CALLBACK_DEADLINE_SECONDS:g} s in total."
        )
    return response.status_code, text[:RESPONSE_KEEP].decode("utf-8", "replace")


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _finish(attempt, status, *, code=None, text="", ms=None, error="") -> None:
    attempt.status, attempt.response_status = status, code
    attempt.response_body, attempt.duration_ms, attempt.error = text, ms, error[:2000]
    attempt.save(
        update_fields=["status", "response_status", "response_body", "duration_ms", "error"]
    )
