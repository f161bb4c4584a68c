"""One Sender per worker turn: kept-alive connections, with the guard and timeouts of a single post."""

from __future__ import annotations

import socket
import time

import pytest

from tests.receiver import LOOPBACK, Reply
from webhooks import transport
from webhooks.transport import Outcome

_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def connects(monkeypatch, settings):
    """The address of every new connection, in order (each passes the peer check once)."""
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    seen = []
    real = transport._check_peer

    def counting(sock, host):
        seen.append(sock.getpeername()[0])
        return real(sock, host)

    monkeypatch.setattr(transport, "_check_peer", counting)
    return seen


def _posts(url: str, count: int, sender=None) -> list[transport.Result]:
    return [transport.post(f"{url}/hook/{n}", b"{}", {}, sender=sender) for n in range(count)]


def test_a_run_of_posts_shares_one_connection(receiver, connects):
    receiver.script([Reply(200, body=b"x" * 5000), Reply(500, body=b"busy"), 204, Reply(429, body=b"")])
    with transport.Sender() as sender:
        results = _posts(receiver.url, 5, sender)
    assert [r.status_code for r in results] == [200, 500, 204, 429, 200]
    assert [r.outcome for r in results] == ["success", "temporary", "success", "temporary", "success"]
    # The log keeps the first 2 KB; the rest was read only to free the connection.
    assert results[0].body_excerpt == "x" * 2048 and results[1].body_excerpt == "busy"
    assert connects == ["127.0.0.1"]
    assert receiver.paths() == [f"/hook/{n}" for n in range(5)]


def test_a_long_answer_costs_its_connection(receiver, connects):
    too_long = transport.EXCERPT_BYTES + transport.REUSE_BODY_BYTES + 1
    receiver.default = Reply(200, body=b"x" * too_long)
    with transport.Sender() as sender:
        results = _posts(receiver.url, 3, sender)
    assert {r.outcome for r in results} == {Outcome.SUCCESS}
    assert {r.body_excerpt for r in results} == {"x" * 2048}
    assert connects == ["127.0.0.1"] * 3


def test_without_a_sender_no_connection_outlives_its_post(receiver, connects):
    results = _posts(receiver.url, 3)
    assert {r.outcome for r in results} == {Outcome.SUCCESS}
    assert connects == ["127.0.0.1"] * 3


def test_a_timeout_ends_its_connection_and_the_run_goes_on(receiver, connects, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.script([200, Reply(200, delay=2.5), 200])
    with transport.Sender() as sender:
        results = _posts(receiver.url, 3, sender)
    assert [r.outcome for r in results] == [Outcome.SUCCESS, Outcome.TEMPORARY, Outcome.SUCCESS]
    assert results[1].error.startswith("timeout after 1s")
    # The connection that timed out is not used again.
    assert connects == ["127.0.0.1", "127.0.0.1"]


def test_a_remembered_verdict_never_skips_the_check_of_a_new_connection(receiver, monkeypatch, settings):
    """The name is public when checked, loopback when connected: every request of the run is refused."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    answers = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return _real_getaddrinfo(host, port, *args, **kwargs)
        answers.append(host)
        ip = "93.184.216.34" if len(answers) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with transport.Sender() as sender:
        results = _posts(f"http://rebind.example:{receiver.port}", 3, sender)
    assert {r.outcome for r in results} == {Outcome.PERMANENT}
    assert all("connected to 127.0.0.1" in r.error for r in results)
    assert len(answers) == 4, "the URL checked once, then resolved for each of the three connects"
    time.sleep(0.2)
    assert receiver.requests == []


def test_a_refused_url_is_refused_for_the_whole_run(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    with transport.Sender() as sender:
        results = _posts(receiver.url, 2, sender)
    assert [r.outcome for r in results] == [Outcome.PERMANENT] * 2
    assert all("loopback" in r.error for r in results)
    time.sleep(0.2)
    assert receiver.requests == []
