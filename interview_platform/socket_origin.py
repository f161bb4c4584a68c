"""Which pages may open the candidate's socket: the full origin (scheme, host and port) must match.

Channels' AllowedHostsOriginValidator compares host names only, so a page on
``http://localhost:8080`` (any other local service) could talk to a server on
``https://localhost:3009``. Here the origin must be PUBLIC_BASE_URL's, one of
CSRF_TRUSTED_ORIGINS, or the socket's own origin (the page the server itself
served, under a host name in ALLOWED_HOSTS: what `make run` opened on
127.0.0.1 instead of localhost needs).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname.lower(), port


def allowed_origins() -> set[tuple[str, str, int]]:
    candidates = [settings.PUBLIC_BASE_URL, *settings.CSRF_TRUSTED_ORIGINS]
    return {origin for origin in map(normalise, candidates) if origin}


def own_origin(scope) -> tuple[str, str, int] | None:
    """The origin of the server the socket reached, when its Host is one we serve."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return normalise(f"{scheme}://{host}")


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return ""


def origin_allowed(scope) -> bool:
    origin = normalise(_header(scope, b"origin"))
    if origin is None:
        return False
    return origin in allowed_origins() or origin == own_origin(scope)


class SocketOriginValidator:
    """ASGI middleware: refuse the handshake (403) unless the page's origin is allowed."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
