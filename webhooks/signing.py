"""Standard Webhooks (v1) signatures.

A receiver verifies ``webhook-signature`` by computing HMAC-SHA256 over
``"{webhook-id}.{webhook-timestamp}.{body}"`` with the shared secret, so the
exact body bytes sent must be the bytes signed. The secret is the
``whsec_``-prefixed base64 string an organization (or endpoint) holds.

During a secret rotation a message is signed with every secret still valid,
newest first, space separated (``v1,<new> v1,<old>``): the specification's
way to let a receiver switch secrets without rejecting anything.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime

SECRET_PREFIX = "whsec_"
USER_AGENT = "ai-interview-webhooks/1.0"


def serialize(payload: dict) -> bytes:
    """The body of a webhook: compact JSON, computed once per event and stored.

    Kept byte-for-byte so every retry and redelivery signs and sends the same
    body, whatever the database does to JSON key order.
    """
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def iso_time(dt: datetime) -> str:
    """A time as written in webhook bodies and logs: UTC ISO 8601 with milliseconds."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # Unpadded base64 is accepted by the reference libraries; extra
        # padding is ignored by b64decode, missing padding is not.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("webhook secret is not valid base64 after the whsec_ prefix") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">``."""
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature(secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one ``v1,`` signature per secret, in the order given."""
    if isinstance(secrets, str):
        secrets = [secrets]
    unique = list(dict.fromkeys(secrets))
    if not unique:
        raise ValueError("a webhook needs at least one signing secret")
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in unique)


def headers(secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """All headers of one attempt. ``timestamp`` is fresh per attempt; ``msg_id`` is not.

    ``secrets``: the current secret, or the current one followed by the
    previous ones that have not expired yet.
    """
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature(secrets, msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
