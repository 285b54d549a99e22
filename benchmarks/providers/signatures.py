"""Webhook signature checks: Standard Webhooks HMAC (Replicate, OpenAI, Gemini) and fal's Ed25519.

Both reject a timestamp more than `TOLERANCE` seconds from now, so a captured delivery can't be
replayed later; the webhook view also stores delivery ids to refuse a replay inside that window.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from benchmarks.providers import base
from benchmarks.providers.base import WebhookRejected

TOLERANCE = 300
#: fal rotates keys rarely; a day matches its own advice on caching the JWKS.
JWKS_TTL = 24 * 3600
#: A signature no cached key verifies triggers one refetch (a rotation), but not more often.
JWKS_REFRESH_MIN = 60

_jwks_cache: dict[str, tuple[float, list[Ed25519PublicKey]]] = {}
_jwks_lock = threading.Lock()


def verify_standard_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> str:
    """Verify a Standard Webhooks delivery and return its `webhook-id`; raise WebhookRejected."""
    if not secret:
        raise WebhookRejected("No webhook signing secret is configured.")
    headers = _lower(headers)
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise WebhookRejected("Missing webhook-id, webhook-timestamp or webhook-signature.")
    check_timestamp(stamp, now=now)
    key = _standard_key(secret)
    signed = f"{msg_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id
    raise WebhookRejected("The webhook signature does not match.")


def sign_standard_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the `webhook-signature` value for a delivery (used by fakes and tests)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_fal_webhook(
    jwks_url: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> str:
    """Verify fal's Ed25519 signature against its JWKS; return the request id or raise."""
    headers = _lower(headers)
    request_id = headers.get("x-fal-webhook-request-id", "")
    user_id = headers.get("x-fal-webhook-user-id", "")
    stamp = headers.get("x-fal-webhook-timestamp", "")
    signature_hex = headers.get("x-fal-webhook-signature", "")
    if not (request_id and user_id and stamp and signature_hex):
        raise WebhookRejected("Missing X-Fal-Webhook-* headers.")
    check_timestamp(stamp, now=now)
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError as exc:
        raise WebhookRejected("The fal signature is not hex.") from exc
    message = fal_signed_message(request_id, user_id, stamp, body)
    if _any_key_verifies(fal_public_keys(jwks_url), signature, message):
        return request_id
    if _any_key_verifies(fal_public_keys(jwks_url, refresh=True), signature, message):
        return request_id
    raise WebhookRejected("The fal webhook signature does not match any published key.")


def fal_signed_message(request_id: str, user_id: str, timestamp: str, body: bytes) -> bytes:
    """Return the bytes fal signs: id, user, timestamp and the body's SHA-256, one per line."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([request_id, user_id, timestamp, digest]).encode()


def fal_public_keys(jwks_url: str, *, refresh: bool = False) -> list[Ed25519PublicKey]:
    """Return fal's Ed25519 public keys from `jwks_url`, cached for a day."""
    with _jwks_lock:
        fetched_at, keys = _jwks_cache.get(jwks_url, (0.0, []))
        age = time.time() - fetched_at
        if keys and age < JWKS_TTL and not (refresh and age > JWKS_REFRESH_MIN):
            return keys
        try:
            keys = _fetch_jwks(jwks_url)
        except WebhookRejected:
            if keys:  # keep verifying with the keys we had while the JWKS endpoint is down
                return keys
            raise
        _jwks_cache[jwks_url] = (time.time(), keys)
        return keys


def clear_jwks_cache() -> None:
    with _jwks_lock:
        _jwks_cache.clear()


def check_timestamp(stamp: str, *, now: float | None = None) -> None:
    """Raise WebhookRejected unless `stamp` (unix seconds) is within TOLERANCE of now."""
    try:
        sent = int(stamp)
    except ValueError as exc:
        raise WebhookRejected("The webhook timestamp is not a number.") from exc
    if abs((time.time() if now is None else now) - sent) > TOLERANCE:
        raise WebhookRejected("The webhook timestamp is too old or in the future (replay?).")


def _fetch_jwks(jwks_url: str) -> list[Ed25519PublicKey]:
    try:
        response = httpx.get(jwks_url, timeout=base.HTTP_TIMEOUT)
        response.raise_for_status()
        entries = response.json().get("keys", [])
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise WebhookRejected(f"Could not load fal's signing keys: {exc}") from exc
    keys = []
    for entry in entries:
        if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519" and entry.get("x"):
            raw = base64.urlsafe_b64decode(entry["x"] + "=" * (-len(entry["x"]) % 4))
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
    if not keys:
        raise WebhookRejected("fal's JWKS holds no Ed25519 key.")
    return keys


def _any_key_verifies(keys: list[Ed25519PublicKey], signature: bytes, message: bytes) -> bool:
    for key in keys:
        try:
            key.verify(signature, message)
        except InvalidSignature:
            continue
        return True
    return False


def _standard_key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"))
    except (binascii.Error, ValueError) as exc:
        raise WebhookRejected("The webhook secret is not valid base64.") from exc


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def read_payload(body: bytes) -> dict:
    """Return a webhook's JSON object body; raise WebhookRejected if it isn't one."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WebhookRejected("The webhook body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise WebhookRejected("The webhook body is not a JSON object.")
    return payload
