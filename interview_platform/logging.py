"""Logging: one plain console handler, with candidate join tokens redacted from every line."""

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


def logging_config(level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        # Candidate join tokens are bearer credentials; request paths in logs would leak them.
        "filters": {"redact_tokens": {"()": "interview_platform.logging.RedactJoinTokens"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
