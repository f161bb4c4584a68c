"""Outgoing HTTP: the only module in the project that makes requests to other servers.

Everything a webhook POST needs to be safe to point at a URL chosen by a
customer lives here:

* a default timeout, our User-Agent, and no redirects (a 3xx is a failure:
  following it would let a public URL bounce us to an internal one);
* an SSRF guard, twice: ``check_url`` refuses URLs whose host is or resolves
  to a loopback, private, link-local, multicast, reserved or unspecified
  address (unless the network is in ``settings.WEBHOOK_ALLOWED_NETWORKS``),
  and the connection classes check the address actually connected to, so a
  DNS answer that changes between the check and the connect (DNS rebinding)
  gains nothing;
* a small result that says whether a failure is worth retrying;
* ``Sender``: a run of POSTs over kept-alive connections, under the same guard.

``check_url``/``UnsafeUrl`` are also what the API uses to validate a
``callbackUrl`` when an interview is created.
"""

from __future__ import annotations

import email.utils
import enum
import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from interview_platform.api import Invalid

from .signing import USER_AGENT

# The attempt log keeps this much of a receiver's answer; the rest is never read,
# unless it is short enough to finish so the connection can be used again.
EXCERPT_BYTES = 2048
REUSE_BODY_BYTES = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Invalid):
    """The URL may not receive webhooks (scheme, credentials, or a refused address)."""


class RefusedAddress(UnsafeUrl):
    """Raised at connect time: the socket ended up connected to a refused address."""


class Outcome(enum.StrEnum):
    SUCCESS = "success"  # 2xx
    TEMPORARY = "temporary"  # worth retrying: network error, timeout, 429, 5xx
    PERMANENT = "permanent"  # never retried: other 4xx, 3xx, refused address, bad URL
    GONE = "gone"  # 410: the receiver asks us to stop


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status_code: int | None = None
    body_excerpt: str = ""
    duration_ms: int = 0
    error: str = ""
    # Seconds the receiver asked us to wait (Retry-After), if it said so.
    retry_after: float | None = None


# --- The SSRF guard ---------------------------------------------------------------


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address stands for (``::ffff:127.0.0.1``, 6to4)."""
    if ip.version != 6:
        return []
    return [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]


def _kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is refused, or None for an ordinary public address."""
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        # e.g. 100.64.0.0/10 (carrier-grade NAT): not private, not public either.
        return "non-public"
    return None


def _allowed(ip: IPAddress) -> bool:
    networks = settings.WEBHOOK_ALLOWED_NETWORKS
    # An IPv4-mapped address connects to its IPv4 address, so an allowed IPv4
    # network covers it too (the kernel sends it to 127.0.0.1, not to "::ffff:…").
    candidates = [ip] + ([ip.ipv4_mapped] if ip.version == 6 and ip.ipv4_mapped else [])
    return any(candidate in network for candidate in candidates for network in networks)


def refusal(ip: IPAddress) -> str | None:
    """The reason webhooks may not go to ``ip``, or None when they may."""
    if _allowed(ip):
        return None
    # Look through IPv6 wrappers first: "::ffff:127.0.0.1" is loopback, which
    # is the useful thing to say, and some wrappers (6to4) look "global".
    for candidate in [*_embedded_ipv4(ip), ip]:
        kind = _kind(candidate)
        if kind:
            return kind
    return None


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` stands for; empty when it does not resolve (now)."""
    literal = _parse_ip(host)
    if literal is not None:
        return [literal]
    try:
        # Also turns legacy numeric forms ("2130706433", "0x7f.1", "127.1")
        # into the address the connection would really use.
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    except UnicodeError:
        raise UnsafeUrl(f"{host!r} is not a valid host name") from None
    addresses = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = _parse_ip(str(sockaddr[0]))
        if ip is not None:
            addresses.append(ip)
    return addresses


def check_url(url: str) -> None:
    """Raise ``UnsafeUrl`` unless ``url`` is an http(s) URL webhooks may be sent to.

    A host that does not resolve right now is accepted: the receiver's DNS may
    not exist yet, and a delivery to it fails and retries like any network
    error. Whatever it resolves to later is checked again at connect time.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number or out of range
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("webhook URLs must use http or https")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("webhook URLs must not contain credentials")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("webhook URL has no host")
    port = port or (443 if parts.scheme == "https" else 80)
    for ip in _resolve(host, port):
        kind = refusal(ip)
        if kind:
            shown = host if str(ip) == host else f"{host} ({ip})"
            raise UnsafeUrl(
                f"{shown} is a {kind} address; webhooks are only sent to public addresses "
                "(see WEBHOOK_ALLOWED_CIDRS)"
            )


def _check_peer(sock: socket.socket, host: str) -> None:
    peer = sock.getpeername()[0]
    ip = _parse_ip(str(peer))
    if ip is None:  # not an IP socket; nothing we know how to judge
        raise RefusedAddress(f"connected to {host} at an unexpected address {peer!r}")
    kind = refusal(ip)
    if kind:
        raise RefusedAddress(f"{host} connected to {ip}, a {kind} address")


class _PeerCheck:
    """Checks the connected peer right after the TCP connect, before anything is sent.

    For https, connect() wraps this socket in TLS afterwards with the URL's
    host name for SNI and certificate checks: only the TCP peer is judged
    here, verification is untouched.
    """

    host: str

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        try:
            _check_peer(sock, self.host)
        except BaseException:
            sock.close()
            raise
        return sock


class _GuardedHTTPConnection(_PeerCheck, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_PeerCheck, HTTPSConnection):
    pass


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections refuse to stay connected to refused addresses."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }


def new_session() -> requests.Session:
    session = requests.Session()
    # No proxies or .netrc from the environment: a proxy would make the peer
    # check see the proxy's address, and netrc credentials must never be sent
    # to a customer's receiver.
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    adapter = GuardedAdapter(max_retries=0)  # retries are the delivery's business
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Sender:
    """Sends a run of webhooks (a worker's turn at a destination) over kept-alive connections.

    The guard is unchanged: each URL is checked (the verdict per scheme and host
    is kept for the Sender's short life) and each new connection checks the
    address it reached; timeouts apply per request. One per thread; close it.
    """

    def __init__(self) -> None:
        self.session = new_session()
        self._verdicts: dict[tuple[str, str], str | None] = {}

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be sent to (``check_url``), or None; remembered per scheme and host."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._verdicts:
            try:
                check_url(url)
                self._verdicts[key] = None
            except UnsafeUrl as exc:
                self._verdicts[key] = exc.message
        return self._verdicts[key]

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- Sending ---------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    # ASCII only: a receiver's "²" is a digit to isdigit() but not to int(),
    # and the attempt would end in a ValueError instead of a result.
    if value.isascii() and value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return Outcome.SUCCESS
    if status_code == 410:
        return Outcome.GONE
    if status_code == 429 or status_code >= 500:
        return Outcome.TEMPORARY
    return Outcome.PERMANENT


def _excerpt(response: requests.Response) -> str:
    """At most EXCERPT_BYTES of the body; a huge or endless body is never read."""
    try:
        chunk = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
        _finish_body(response)
    except Exception as exc:  # a body that breaks off is still a received answer
        return f"(body unreadable: {type(exc).__name__})"
    # PostgreSQL text cannot hold NUL characters.
    return chunk[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "")


def _finish_body(response: requests.Response) -> None:
    """Read the rest of a short body of announced length, so the connection can carry the next
    request; a longer one, or one of unknown length, is left unread and its connection closed."""
    remaining = response.raw.length_remaining
    if remaining is not None and 0 < remaining <= REUSE_BODY_BYTES:
        response.raw.drain_conn()  # undecoded bytes, at most ``remaining`` of them


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float | None = None,
    sender: Sender | None = None,
) -> Result:
    """POST ``body`` to ``url`` once (over ``sender``'s connections, else its own); never raises."""
    if sender is None:
        with Sender() as own:
            return post(url, body, headers, timeout=timeout, sender=own)
    timeout = timeout if timeout is not None else settings.WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()
    refused = sender.refusal(url)
    if refused:
        return Result(Outcome.PERMANENT, error=f"refused: {refused}")
    try:
        response = sender.session.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
    except RefusedAddress as exc:
        return Result(Outcome.PERMANENT, duration_ms=_elapsed_ms(started), error=f"refused: {exc.message}")
    except requests.Timeout as exc:
        return Result(
            Outcome.TEMPORARY,
            duration_ms=_elapsed_ms(started),
            error=f"timeout after {timeout:g}s: {exc}",
        )
    except requests.ConnectionError as exc:
        return Result(Outcome.TEMPORARY, duration_ms=_elapsed_ms(started), error=f"connection failed: {exc}")
    except requests.RequestException as exc:
        # Invalid URLs and the like: trying again will not help.
        return Result(
            Outcome.PERMANENT, duration_ms=_elapsed_ms(started), error=f"{type(exc).__name__}: {exc}"
        )
    try:
        excerpt = _excerpt(response)
    finally:
        response.close()
    status = response.status_code
    outcome = classify(status)
    error = ""
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        error = f"HTTP {status}: redirects are not followed"
        if location:
            error += f" (Location: {location})"
    elif outcome is not Outcome.SUCCESS:
        error = f"HTTP {status}"
    return Result(
        outcome,
        status_code=status,
        body_excerpt=excerpt,
        duration_ms=_elapsed_ms(started),
        error=error,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )
