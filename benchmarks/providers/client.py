"""The HTTP plumbing every real plugin shares: one call, explicit timeouts, errors mapped once.

`HttpProvider.call()` sends a request and returns the parsed JSON body, raising

- TransientProviderError for 408/409/425/429, 500 and other 5xx, and connection failures (with
  `retry_after` from `Retry-After`/`retry-after-ms` when the provider sends one);
- OutcomeUnknownError (a TransientProviderError) when the request went out and the answer doesn't
  prove a refusal: a timeout or dropped connection after sending, a 2xx body that isn't JSON,
  and the plugin's `unknown_outcome_statuses` (502/503/504 from a gateway). On a submit the
  pipeline then looks the job up or asks staff, and never submits blindly a second time.
- PermanentProviderError for the other 4xx (400, 401, 402, 403, 404, 422, ...), with the
  provider's own reason in words.

Each provider family only says how to read its error body (`error_reason`) and, when its API
hides errors in 200 answers, checks the body itself.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import logging
import os
import time
from typing import Any

import httpx

from benchmarks.providers import base
from benchmarks.providers.base import (
    BaseProvider,
    OutcomeUnknownError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)

logger = logging.getLogger(__name__)
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
#: Largest reference image we inline for providers that want bytes rather than a URL.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
STATUS_WORDS = {
    400: "rejected the request",
    401: "refused the API key",
    402: "reports insufficient credit",
    403: "refused access",
    404: "does not know this resource",
    422: "rejected the parameters",
    429: "is rate limiting us",
}


class HttpProvider(BaseProvider):
    """A plugin that talks JSON over HTTPS to its provider."""

    def auth_headers(self) -> dict[str, str]:
        """Return the headers that authenticate a call (default: a Bearer API key)."""
        return {"Authorization": f"Bearer {self.api_key()}"}

    def call(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        """Send one request and return its JSON body (None when the body is empty)."""
        response = self.send(method, path_or_url, **kwargs)
        return self.parse_json(response)

    def send(self, method: str, path_or_url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; map transport failures and HTTP errors to provider errors."""
        url = path_or_url if "://" in path_or_url else self.base_url() + path_or_url
        headers = {**self.auth_headers(), **kwargs.pop("headers", {})}
        try:
            response = http_client().request(
                method, url, headers=headers, timeout=base.HTTP_TIMEOUT, **kwargs
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached the provider: safe to try again.
            raise TransientProviderError(f"{self._name()} is unreachable: {exc}") from exc
        except httpx.TransportError as exc:
            # The request may have reached the provider: the outcome is unknown.
            raise OutcomeUnknownError(
                f"{self._name()} did not answer in time ({exc.__class__.__name__}).",
                code="timeout",
            ) from exc
        if response.status_code >= 400:
            raise self.http_error(response)
        return response

    def best_effort(self, method: str, path_or_url: str, **kwargs: Any) -> None:
        """Send a cancel: a job that already finished or is gone is not an error.

        Transient errors still raise, so a caller that wants the job stopped can try again.
        """
        try:
            self.send(method, path_or_url, **kwargs)
        except PermanentProviderError as exc:
            logger.info("%s: cancel not applied: %s", self.key, exc.message)

    def parse_json(self, response: httpx.Response) -> Any:
        """Return the JSON body; a body that isn't JSON is a transient provider fault."""
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError as exc:
            # A 2xx was sent, so the provider did what we asked; we just can't read what.
            raise OutcomeUnknownError(
                f"{self._name()} answered {response.status_code} with malformed JSON.",
                code="malformed",
            ) from exc

    def http_error(self, response: httpx.Response) -> ProviderError:
        """Return the error for a 4xx/5xx answer, with the provider's reason in words."""
        status = response.status_code
        reason = self.error_reason(_json_or_none(response)) or response.text[:300].strip()
        words = STATUS_WORDS.get(status, f"answered {status}")
        message = f"{self._name()} {words} (HTTP {status})" + (f": {reason}" if reason else ".")
        if status in self.unknown_outcome_statuses:
            return OutcomeUnknownError(
                message, retry_after=retry_after(response.headers), code=str(status)
            )
        if status in TRANSIENT_STATUSES or status >= 500:
            return TransientProviderError(
                message, retry_after=retry_after(response.headers), code=str(status)
            )
        return PermanentProviderError(message, code=str(status))

    def error_reason(self, body: Any) -> str:
        """Return the human reason from an error body; override per provider's error shape."""
        return generic_reason(body)

    def _name(self) -> str:
        return self.provider_name or self.provider_slug or self.key


def http_client() -> httpx.Client:
    """Return this process's shared client: TLS setup is slow, connections are worth reusing.

    Keyed by pid because a Celery prefork child must not share its parent's sockets.
    """
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        client = _clients[pid] = httpx.Client(timeout=base.HTTP_TIMEOUT)
    return client


_clients: dict[int, httpx.Client] = {}


def generic_reason(body: Any) -> str:
    """Find the message in the common error shapes: {error}, {error:{message}}, {detail}, ..."""
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        return "; ".join(filter(None, (generic_reason(item) for item in body)))
    if not isinstance(body, dict):
        return ""
    for key in ("error", "detail", "message", "msg", "failure", "title"):
        value = body.get(key)
        if value:
            return generic_reason(value) if not isinstance(value, str) else value
    return ""


def retry_after(headers: httpx.Headers) -> float | None:
    """Return the wait the provider asks for: `retry-after-ms`, or `Retry-After` (secs or date)."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(float(value) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def image_bytes(image_url: str) -> tuple[bytes, str]:
    """Return (bytes, mime type) of a `data:` URI or an https image, for APIs that want bytes."""
    if image_url.startswith("data:"):
        header, _, payload = image_url.partition(",")
        mime = header[5:].split(";")[0] or "image/png"
        try:
            data = base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise PermanentProviderError("The reference image is not valid base64.") from exc
        return data, mime
    try:
        response = http_client().get(image_url, timeout=base.HTTP_TIMEOUT, follow_redirects=True)
    except httpx.TransportError as exc:
        raise TransientProviderError(f"Could not fetch the reference image: {exc}") from exc
    if response.status_code >= 400:
        raise PermanentProviderError(f"The reference image URL answered {response.status_code}.")
    if len(response.content) > MAX_IMAGE_BYTES:
        raise PermanentProviderError("The reference image is larger than 20 MB.")
    mime = response.headers.get("content-type", "image/png").split(";")[0]
    return response.content, mime


def strip_data_uri(image_url: str) -> str:
    """Return raw base64 for a `data:` URI (Kling refuses the prefix); URLs pass through."""
    return image_url.partition(",")[2] if image_url.startswith("data:") else image_url


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def evidence(value: Any) -> Any:
    """Return `value` with inlined images shortened, so the stored request stays small."""
    if isinstance(value, dict):
        return {key: evidence(item) for key, item in value.items()}
    if isinstance(value, list):
        return [evidence(item) for item in value]
    if isinstance(value, str) and len(value) > 2048:
        head = value.split(",", 1)[0] if value.startswith("data:") else "base64"
        digest = hashlib.sha256(value.encode()).hexdigest()[:16]
        return f"{head},<{len(value)} characters, sha256 {digest}>"
    return value
