"""A candidate's browser, minus the browser: the HTTP calls of the join page and the socket."""

from __future__ import annotations

import json
import secrets

import requests
from websockets.sync.client import connect

from tests.live import read_code


class Candidate:
    """A candidate's browser, minus the browser: HTTP session + websocket."""

    def __init__(self, base_url: str, token: str, data_dir):
        self.base, self.token, self.data_dir = base_url, token, data_dir
        self.http = requests.Session()
        csrf = secrets.token_hex(16)
        self.http.cookies.set("csrftoken", csrf, domain="127.0.0.1")
        self.http.headers["X-CSRFToken"] = csrf

    def api(self, action, body=None):
        return self.http.post(
            f"{self.base}/api/v1/candidate/join/{self.token}/{action}", json=body or {}, timeout=10
        )

    def verify(self):
        assert self.api("otp").status_code == 202
        response = self.api("verify", {"code": read_code(self.data_dir), "consent": True})
        assert response.status_code == 200, response.text
        assert self.api("device-check", {"camera": True, "microphone": True}).json()["ready"] is True
        return response.json()["websocketUrl"]

    def socket(self, token=None, origin=None):
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        url = self.base.replace("http://", "ws://") + f"/ws/interview/{token or self.token}/"
        return connect(
            url, additional_headers={"Cookie": cookie, "Origin": origin or self.base}, open_timeout=10
        )


# Frames a test of the question flow passes over: acknowledgements, and the
# introduction and thread every (re)connect opens with.
ROUTINE_FRAMES = ("ack", "pong", "intro", "history")


def recv(ws, timeout=40, skip=ROUTINE_FRAMES) -> dict:
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame["type"] not in skip:
            return frame
