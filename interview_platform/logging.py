"""Logging: one plain console handler, with credentials redacted from every line.

Request paths carry bearer credentials (a candidate's join token, a
password-reset token), and a message may quote a key or a token. Every log
record, daphne's access log (written straight to a stream, not through
``logging``) and gunicorn's access log (see ``gunicorn_logger``) go through
``redact``.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # /interview/join/<token>, /api/v1/candidate/join/<token>/…, /ws/interview/<token>/
    (re.compile(r"(/(?:join|ws/interview)/)[A-Za-z0-9_\-]{8,}"), r"\1[redacted]"),
    # Password-reset links: /accounts/reset/<uidb64>/<token>/ (Django swaps the token
    # for "set-password" after the first visit; that one is harmless).
    (re.compile(r"(/reset/[A-Za-z0-9_\-]+/)(?!set-password)[A-Za-z0-9\-]{8,}"), r"\1[redacted]"),
    # Query parameters that carry credentials.
    (
        re.compile(r"([?&](?:token|key|api_key|secret|code|password|refresh|access)=)[^&\s\"']+", re.I),
        r"\1[redacted]",
    ),
    # Webhook signing secrets, API keys, JWTs, wherever they appear.
    (re.compile(r"whsec_[A-Za-z0-9+/=]{8,}"), "whsec_[redacted]"),
    (re.compile(r"aik_[A-Za-z0-9_\-]{8,}"), "aik_[redacted]"),
    (re.compile(r"demo_api_key_[A-Za-z0-9]{8,}"), "demo_api_key_[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), "[redacted-jwt]"),
]


# What every pattern above starts with: a line without any of these (most of them) has
# nothing to redact, and one search of it is cheaper than the seven substitutions.
_MAY_HOLD_SECRET = re.compile(
    r"/join/|/ws/interview/|/reset/|[?&](?:token|key|api_key|secret|code|password|refresh|access)="
    r"|whsec_|aik_|demo_api_key_|eyJ",
    re.I,
)


def redact(text: str) -> str:
    if not _MAY_HOLD_SECRET.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def hint(secret: str | None, keep: int = 8) -> str:
    """What an operator may see of a secret: its first characters, enough to tell two apart."""
    if not secret:
        return ""
    return f"{secret[:keep]}…"


class RedactJoinTokens(logging.Filter):
    """Replace credentials in log lines (join tokens, reset links, keys) with [redacted]."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # The traceback is formatted once and cached; redact the cached text.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def redact_daphne_access_log() -> None:
    """Daphne writes its access log straight to stdout (or --access-log), bypassing ``logging``.

    Its entries go through ``redact`` here, whatever stream daphne chose.
    """
    try:
        from daphne.access import AccessLogGenerator
    except ImportError:  # not served by daphne
        return
    if getattr(AccessLogGenerator.write_entry, "redacted", False):
        return
    original = AccessLogGenerator.write_entry

    def write_entry(self, host, date, request, *args, **kwargs):
        return original(self, host, date, redact(request), *args, **kwargs)

    write_entry.redacted = True
    AccessLogGenerator.write_entry = write_entry


def logging_config(level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        # Join tokens and reset tokens are bearer credentials; request paths in logs would leak them.
        "filters": {"redact_tokens": {"()": "interview_platform.logging.RedactJoinTokens"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Django's defaults give these loggers handlers of their own (printing request
            # paths under DEBUG); one redacting handler for everything instead.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }
