"""A real HTTP server on 127.0.0.1 that plays a webhook receiver in tests.

    with Receiver() as receiver:
        receiver.script([500, 500, 200])          # answers in order, then 200
        ... deliver to receiver.url + "/hook" ...
        receiver.wait_for(3)
        headers, body = receiver.requests[0].headers, receiver.requests[0].body

Each answer can be a status code or a ``Reply`` (status, delay before
answering, body, headers). Every request is recorded with the status it was
answered with and its place in the arrival order across all receivers of
the process (``order``), so a test can compare two receivers without clocks.
A 3xx reply without a Location header redirects to
``receiver.url + REDIRECT_PATH``, so a test can assert that the redirect was
not followed (no request with that path).
"""

from __future__ import annotations

import ipaddress
import itertools
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIRECT_PATH = "/redirected-here"
# What tests allow deliveries to reach (settings.WEBHOOK_ALLOWED_NETWORKS): this machine.
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
# Shared by every receiver: a total order of arrivals (next() is atomic in CPython).
_arrivals = itertools.count(1)


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
    status: int = 0  # the status it was (or is being) answered with
    order: int = 0  # arrival position among all receivers' requests
    connection: int = 0  # which of the receiver's connections it came on (1, 2, …): kept-alive ones share it


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
        # Requests being answered right now, and the most there ever were at once.
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: deque[Reply] = deque()
        self._connections = itertools.count(1)
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

    def _take(self, received: Received) -> Reply:
        """Record an arrival and pick its answer, in one step (so concurrent requests match up)."""
        with self._cond:
            reply = self._script.popleft() if self._script else self.default
            self.requests.append(replace(received, status=reply.status, order=next(_arrivals)))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._cond.notify_all()
            return reply

    def _done(self) -> None:
        with self._cond:
            self.in_flight -= 1

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

    def snapshot(self) -> list[Received]:
        with self._cond:
            return list(self.requests)


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

        def setup(self) -> None:  # one handler per connection
            super().setup()
            self.connection_number = next(receiver._connections)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = receiver._take(
                Received(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.time(),
                    connection=self.connection_number,
                )
            )
            try:
                if reply.delay:
                    time.sleep(reply.delay)
                headers = dict(reply.headers)
                if 300 <= reply.status < 400:
                    headers.setdefault("Location", receiver.url + REDIRECT_PATH)
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                # A 204 has no body, nor a length (HTTP): on a kept-alive connection the next answer follows.
                if reply.status != 204:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status != 204:
                    self.wfile.write(reply.body)
            finally:
                receiver._done()

        do_POST = do_GET = do_PUT = _handle

        def log_message(self, format, *args) -> None:
            pass

    return Handler
