"""A local SMTP relay that answers each message after a set delay, for the load test.

The production shape sends its email here (EMAIL_HOST/EMAIL_PORT), so the code
email travels the same path as in production; ``delay`` plays a slow relay.
The relay keeps the newest one-time code per recipient, read from the code
email's subject, where the load test's candidates pick it up.
"""

from __future__ import annotations

import email
import re
import socketserver
import threading
import time


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        relay: MailRelay = self.server.relay
        self.reply("220 relay ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 relay")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 end with .")
                relay.accept(self._read_data())
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def _read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class MailRelay:
    """``relay.port``; ``relay.delay`` seconds before each message is answered; ``relay.code_for(email)``."""

    SUBJECT = re.compile(r"^(\d{6}) is your code")

    def __init__(self):
        self.delay = 0.0
        self.accepted = 0
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.relay = self
        self.port = self._server.server_address[1]

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
        threading.Thread(target=self._server.serve_forever, name="mail-relay", daemon=True).start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
