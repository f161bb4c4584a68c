"""A local SMTP relay that answers each message after a set delay, for the load test.

The production shape sends its email here (EMAIL_HOST/EMAIL_PORT), so the code
email travels the same path as in production; ``delay`` plays a slow relay.
The relay keeps the newest one-time code per recipient, read from the code
email's subject, where the load test's candidates pick it up. It speaks SMTP
through the test suite's loopback server (tests/smtp_sink.py).
"""

from __future__ import annotations

import email
import re
import threading
import time

from tests.smtp_sink import SmtpSink


class MailRelay(SmtpSink):
    """``relay.port``; ``relay.delay`` seconds before each message is answered; ``relay.code_for(email)``."""

    SUBJECT = re.compile(r"^(\d{6}) is your code")

    def __init__(self):
        super().__init__()
        self.delay = 0.0
        self.accepted = 0
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def accept(self, data: bytes) -> None:
        if self.delay:
            time.sleep(self.delay)
        message = email.message_from_bytes(data)
        code = self.SUBJECT.match(str(message.get("Subject", "")))
        with self._lock:
            self.accepted += 1
            if code:
                self._codes[str(message.get("To", "")).strip().lower()] = code.group(1)

    def code_for(self, address: str) -> str | None:
        with self._lock:
            return self._codes.get(address.lower())

    def start(self) -> MailRelay:
        return self.__enter__()

    def close(self) -> None:
        self.__exit__(None, None, None)
