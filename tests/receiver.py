"""A real HTTP server on 127.0.0.1 that plays a webhook receiver in tests.

    with Receiver() as receiver:
        receiver.script([500, 500, 200])          # answers in order, then 200
        ... deliver to receiver.url + "/hook" ...
        receiver.wait_for(3)
        headers, body = receiver.requests[0].headers, receiver.requests[0].body

Each answer can be a status code or a ``Reply`` (status, delay before
answering, body, headers). A 3xx reply without a Location header redirects to
``receiver.url + REDIRECT_PATH``, so a test can assert that the redirect was
not followed (no request with that path).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIRECT_PATH = "/redirected-here"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (for timeout tests)
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    at: float  # time.time() when the request arrived


class Receiver:
    def __init__(
        self,
        default: Reply | int = 200,
        host: str = "127.0.0.1",
        *,
        tls: ssl.SSLContext | None = None,
        name: str | None = None,
    ):
        """``tls``: a server-side context to serve https; ``name``: the host name put in ``url``."""
        self.default = _reply(default)
        self.host = host
        self.tls = tls
        self.name = name or host
        self.requests: list[Received] = []
        self._script: deque[Reply] = deque()
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle
    def start(self) -> Receiver:
        handler = _handler_for(self)
        self._server = _QuietServer((self.host, 0), handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        # A short poll interval makes stop() quick (shutdown waits for one poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the receiver first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.name}:{self.port}"

    # --- behaviour
    def script(self, replies) -> None:
        """Queue answers (status codes or Replies); after them, ``default`` is used."""
        with self._cond:
            self._script.extend(_reply(r) for r in replies)

    def _next_reply(self) -> Reply:
        with self._cond:
            return self._script.popleft() if self._script else self.default

    def _record(self, received: Received) -> None:
        with self._cond:
            self.requests.append(received)
            self._cond.notify_all()

    # --- assertions
    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until ``count`` requests arrived (or ``timeout``); returns a copy of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self.requests)

    def paths(self) -> list[str]:
        with self._cond:
            return [r.path for r in self.requests]


def _reply(value: Reply | int) -> Reply:
    return value if isinstance(value, Reply) else Reply(status=int(value))


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout tests) leaves a broken pipe behind;
        # that is the point of the test, not an error worth printing.
        pass


def _handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a real receiver

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            receiver._record(
                Received(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.time(),
                )
            )
            reply = receiver._next_reply()
            if reply.delay:
                time.sleep(reply.delay)
            headers = dict(reply.headers)
            if 300 <= reply.status < 400:
                headers.setdefault("Location", receiver.url + REDIRECT_PATH)
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_POST = do_GET = do_PUT = _handle

        def log_message(self, format, *args) -> None:
            pass

    return Handler
