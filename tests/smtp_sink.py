"""A real SMTP server on loopback that holds its answer until told: a slow or stuck mail relay, for tests.

It speaks just enough SMTP for Django's backend (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT, no TLS). After a message's DATA it waits for ``release``
before answering 250, so a test can check what happens while a sender is stuck.
"""

from __future__ import annotations

import email
import socketserver
import threading
from email.message import Message


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 end with .")
                sink.accept(self._read_data())
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def _read_data(self) -> bytes:
        lines = []
        while True:
            line = self.rfile.readline()
            if line in (b".\r\n", b".\n", b""):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """``with SmtpSink() as sink``: ``sink.port``; ``sink.release`` (an Event, set = answer at once)."""

    def __init__(self, hold_seconds: float = 30):
        self.release = threading.Event()
        self.release.set()
        self.holding = threading.Event()  # set while a message waits for release
        self.hold_seconds = hold_seconds
        self.messages: list[Message] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.sink = self
        self.port = self._server.server_address[1]

    def accept(self, data: bytes) -> None:
        self.holding.set()
        self.release.wait(self.hold_seconds)
        self.holding.clear()
        self.messages.append(email.message_from_bytes(data))

    def __enter__(self) -> SmtpSink:
        threading.Thread(target=self._server.serve_forever, name="smtp-sink", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
