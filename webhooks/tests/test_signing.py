from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import new_webhook_secret
from webhooks import signing

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


def test_signature_is_hmac_sha256_of_id_timestamp_body():
    body = b'{"event":"interview.plan_generated"}'
    expected = base64.b64encode(
        hmac.new(b"k" * 32, b"msg_1.1700000000." + body, hashlib.sha256).digest()
    ).decode()
    assert signing.sign(SECRET, "msg_1", 1700000000, body) == f"v1,{expected}"


def test_reference_library_verifies_our_headers():
    secret = new_webhook_secret()
    body = signing.serialize({"event": "interview.started", "data": {"x": "é"}})
    headers = signing.headers(secret, "msg_abc", int(time.time()), body)
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "ai-interview-webhooks/1.0"
    assert headers["webhook-id"] == "msg_abc"
    assert Webhook(secret).verify(body, headers) == {"event": "interview.started", "data": {"x": "é"}}
    # The reference library signs the same way we do.
    assert Webhook(secret).sign("msg_abc", _dt(headers), body.decode()) == headers["webhook-signature"]


def test_tampered_body_or_wrong_secret_fails_verification():
    secret = new_webhook_secret()
    body = signing.serialize({"event": "interview.started"})
    headers = signing.headers(secret, "msg_abc", int(time.time()), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"started", b"cancelled"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_webhook_secret()).verify(body, headers)


def test_body_is_compact_json_in_payload_order():
    payload = {"event": "e", "runId": "r", "data": {"b": 1, "a": [1, 2]}}
    assert signing.serialize(payload) == b'{"event":"e","runId":"r","data":{"b":1,"a":[1,2]}}'
    assert json.loads(signing.serialize(payload)) == payload


def test_unpadded_secret_is_accepted_and_garbage_is_not():
    unpadded = SECRET.rstrip("=")
    assert signing.sign(unpadded, "m", 1, b"x") == signing.sign(SECRET, "m", 1, b"x")
    with pytest.raises(ValueError):
        signing.sign("whsec_!!!not-base64!!!", "m", 1, b"x")
    with pytest.raises(ValueError):
        signing.sign("whsec_", "m", 1, b"x")


def _dt(headers):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
