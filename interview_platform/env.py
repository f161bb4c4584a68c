"""Strict readers for environment variables.

A bad value stops the process at start with a message naming the variable,
instead of silently falling back to a default.
"""

from __future__ import annotations

import ipaddress
import os
from importlib.util import find_spec

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true/false, 1/0, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum of {maximum}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int_list(name: str, default: str) -> list[int]:
    items = env_list(name, default)
    try:
        values = [int(item) for item in items]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={os.environ.get(name)!r} must be a comma-separated list of whole seconds, "
            f"e.g. {default!r}."
        ) from None
    if not values or any(v < 0 for v in values):
        raise ImproperlyConfigured(f"{name} must list at least one non-negative number of seconds.")
    return values


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} contains {item!r}, which is not a network (use CIDR, e.g. 10.0.0.0/8)."
            ) from None
    return networks


def env_url(name: str, default: str) -> str:
    value = env_str(name, default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{name}={value!r} must start with http:// or https://.")
    return value


def env_base_url(name: str) -> str:
    """An optional http(s) base URL, without its trailing slash ("" when unset)."""
    return env_url(name, "") if env_str(name) else ""


def require_package(setting: str, package: str, install: str) -> None:
    """Refuse to start when ``setting`` needs an optional package that is not installed."""
    if find_spec(package) is None:
        raise ImproperlyConfigured(f"{setting} needs the '{package}' package: pip install {install}")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value
