"""``redact``: every credential pattern is caught, and a line without one is left as it was."""

from __future__ import annotations

import pytest

from interview_platform import logging as platform_logging
from interview_platform.logging import redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxMjM0NX0.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
# One line per pattern of ``_PATTERNS``, in its order, with the secret each must remove.
SAMPLES = [
    ("GET /interview/join/AbCdEf0123456789_- HTTP/1.1", "AbCdEf0123456789_-"),
    ("GET /accounts/reset/MQ/cdxy7z-0123456789abcdef/ HTTP/1.1", "cdxy7z-0123456789abcdef"),
    ("GET /api/v1/candidate/recordings/x?TOKEN=s3cr3t-value&x=1 HTTP/1.1", "s3cr3t-value"),
    ("secret whsec_ZGVtby1vcmdhbml6YXRpb24= rotated", "ZGVtby1vcmdhbml6YXRpb24="),
    ("key aik_live_0123456789abcdef used", "live_0123456789abcdef"),
    ("key demo_api_key_1234567890abcdef used", "1234567890abcdef"),
    (f"Authorization: Bearer {JWT}", JWT),
]


def _every_pattern(text: str) -> str:
    for pattern, replacement in platform_logging._PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def test_there_is_a_sample_for_every_pattern():
    assert len(SAMPLES) == len(platform_logging._PATTERNS)
    for (pattern, _), (line, _) in zip(platform_logging._PATTERNS, SAMPLES, strict=True):
        assert pattern.search(line), (pattern.pattern, line)


@pytest.mark.parametrize(("line", "secret"), SAMPLES)
def test_each_pattern_is_redacted(line, secret):
    cleaned = redact(line)
    assert secret not in cleaned
    assert "redacted" in cleaned
    assert cleaned == _every_pattern(line)


@pytest.mark.parametrize(
    "line",
    [
        "/ws/interview/AbCdEf0123456789/",
        "GET /x?Code=12345678 HTTP/1.1",
        "GET /x?a=1&Refresh=abcdefgh HTTP/1.1",
        "POST /api/v1/candidate/join/AbCdEf0123456789/verify",
    ],
)
def test_the_quick_check_lets_through_every_line_a_pattern_would_change(line):
    assert _every_pattern(line) != line
    assert redact(line) == _every_pattern(line)


def test_a_line_without_a_credential_is_returned_as_it_was():
    line = '127.0.0.1 - - "POST /api/v1/a2a/interview HTTP/1.1" 201 412 "-" "python-httpx/0.28"'
    assert redact(line) is line
