"""Webhook receivers on loopback: a fast one and a slow one (2 s per request).

They speak HTTP/1.1 and keep connections open between requests, as real
receivers behind any web server do.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.arrivals: list[tuple[float, float]] = []  # (arrived, event created), epoch seconds
        self.events: list[str] = []  # the event type of each request, in arrival order
        self.ids: list[str] = []  # webhook-id of each request, in arrival order
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                if receiver.delay:
                    time.sleep(receiver.delay)
                payload = json.loads(body)
                created = datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00"))
                with receiver.lock:
                    receiver.arrivals.append((arrived, created.timestamp()))
                    receiver.events.append(payload.get("event", ""))
                    receiver.ids.append(self.headers.get("webhook-id", ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self) -> list[tuple[float, float]]:
        with self.lock:
            return list(self.arrivals)

    def records(self) -> list[tuple[float, float, str]]:
        """(arrived, event created, event type) of every request so far."""
        with self.lock:
            return [(*times, event) for times, event in zip(self.arrivals, self.events, strict=True)]

    def webhook_ids(self) -> list[str]:
        with self.lock:
            return list(self.ids)

    def close(self) -> None:
        self.server.shutdown()
