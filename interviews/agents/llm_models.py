"""The LLM engine's settings and the agno model for each provider.

The calls to the language model are made by the provider's own SDK
(``openai``, ``anthropic`` or ``ollama``, driven by agno), which owns the wire
protocol, authentication, timeouts (``LLM_TIMEOUT_SECONDS``) and retries with
backoff (``LLM_MAX_RETRIES``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from agno.models.base import Model

logger = logging.getLogger(__name__)

PROVIDERS = ("openai", "anthropic", "ollama", "openai-like")


@dataclass(frozen=True)
class LLMConfig:
    provider: str
    model: str
    base_url: str = ""
    api_key: str = ""
    timeout_seconds: float = 60
    max_retries: int = 2
    max_followups: int = 2

    @classmethod
    def from_settings(cls) -> LLMConfig:
        return cls(
            provider=settings.LLM_PROVIDER,
            model=settings.LLM_MODEL,
            base_url=settings.LLM_BASE_URL,
            api_key=settings.LLM_API_KEY,
            timeout_seconds=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
            max_followups=settings.LLM_MAX_FOLLOWUPS,
        )


def _model_class(module: str, name: str, package: str):
    # Provider SDKs other than openai are optional; import them only when the
    # operator picked that provider, and say exactly what is missing.
    try:
        imported = __import__(module, fromlist=[name])
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"LLM_PROVIDER needs the '{package}' package, which is not installed "
            f"(pip install {package}): {exc}"
        ) from exc
    return getattr(imported, name)


def _openai_model(config: LLMConfig) -> Model:
    params: dict[str, Any] = {
        "id": config.model,
        # The OpenAI SDK retries 408/409/429/5xx, timeouts and connection
        # errors itself, with exponential backoff and jitter, honouring
        # Retry-After; agno's own model retries stay off so the two do not
        # multiply.
        "timeout": config.timeout_seconds,
        "max_retries": config.max_retries,
    }
    if config.base_url:
        params["base_url"] = config.base_url
    if config.provider == "openai":
        cls = _model_class("agno.models.openai", "OpenAIChat", "openai")
        return cls(api_key=config.api_key or None, **params)
    cls = _model_class("agno.models.openai", "OpenAILike", "openai")
    # Local OpenAI-compatible servers usually need no key, but the SDK
    # insists on one.
    return cls(api_key=config.api_key or "not-needed", **params)


def build_model(config: LLMConfig) -> Model:
    """The agno model for ``config``, with the request timeout and retry policy applied."""
    if config.provider in ("openai", "openai-like"):
        return _openai_model(config)
    if config.provider == "anthropic":
        cls = _model_class("agno.models.anthropic", "Claude", "anthropic")
        client_params: dict[str, Any] = {"max_retries": config.max_retries}  # same policy as OpenAI's SDK
        if config.base_url:
            client_params["base_url"] = config.base_url
        return cls(
            id=config.model,
            api_key=config.api_key or None,
            timeout=config.timeout_seconds,
            client_params=client_params,
        )
    if config.provider == "ollama":
        cls = _model_class("agno.models.ollama", "Ollama", "ollama")
        # The ollama client does not retry, so agno's model-level retries (with
        # exponential backoff; agno does not retry 4xx other than 429) do.
        return cls(
            id=config.model,
            host=config.base_url or None,
            api_key=config.api_key or None,
            timeout=config.timeout_seconds,
            retries=config.max_retries,
            delay_between_retries=1,
            exponential_backoff=True,
        )
    raise ImproperlyConfigured(f"LLM_PROVIDER={config.provider!r} must be one of {', '.join(PROVIDERS)}.")


def close_client(model: Model) -> None:
    """Close the SDK client (and its connection pool) made for one step."""
    # Closed now rather than leaving sockets to the garbage collector.
    client = getattr(model, "client", None)
    close = getattr(client, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            logger.debug("closing the model client failed", exc_info=True)
