"""Log filters."""

from __future__ import annotations

import logging
import re

# /interview/join/<token>, /api/v1/candidate/join/<token>/…, /ws/interview/<token>/
_TOKEN_IN_PATH = re.compile(r"(/(?:join|ws/interview)/)[A-Za-z0-9_\-]{8,}")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactJoinTokens(logging.Filter):
    """Replace candidate join tokens in log lines with [redacted]."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
