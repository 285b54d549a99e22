"""Build signed webhook deliveries the way the providers send them, for tests of the receivers."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from benchmarks.providers.signatures import sign_standard_webhook

#: A Standard Webhooks secret ("whsec_" + base64 of the HMAC key) for tests.
TEST_SECRET = "whsec_" + base64.b64encode(b"lockstep-test-webhook-secret-000").decode()


def standard_webhook(
    payload: dict[str, Any],
    *,
    secret: str = TEST_SECRET,
    msg_id: str = "",
    timestamp: int | None = None,
) -> tuple[dict[str, str], bytes]:
    """Return (headers, body) of a Standard Webhooks delivery (Replicate, OpenAI, Gemini)."""
    body = json.dumps(payload).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard_webhook(secret, msg_id, stamp, body),
    }
    return headers, body
