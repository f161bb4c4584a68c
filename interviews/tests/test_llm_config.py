"""The LLM settings: the client's timeout and retry policy, and bad configuration failing at start."""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from django.core.exceptions import ImproperlyConfigured

from interviews.agents.llm_models import LLMConfig, build_model
from tests.live import start_django

# --- configuration ---------------------------------------------------------------------------


def test_the_openai_client_gets_the_timeout_and_retry_policy():
    config = LLMConfig(
        provider="openai-like",
        model="m",
        base_url="http://127.0.0.1:9/v1",
        timeout_seconds=7,
        max_retries=3,
    )
    model = build_model(config)
    assert model.id == "m"
    client = model.get_client()
    assert (client.max_retries, client.timeout) == (3, 7)
    assert str(client.base_url).startswith("http://127.0.0.1:9/v1")
    assert model.retries == 0  # agno's own retries stay off: the SDK retries


@pytest.mark.skipif(find_spec("anthropic") is not None, reason="the anthropic SDK is installed here")
def test_a_missing_provider_sdk_is_named():
    with pytest.raises(ImproperlyConfigured, match="pip install anthropic"):
        build_model(LLMConfig(provider="anthropic", model="m", api_key="k"))


LLM = {"AGENT_ENGINE": "llm"}


@pytest.mark.parametrize(
    "env, variable",
    [
        ({**LLM, "LLM_PROVIDER": "openai"}, "LLM_MODEL"),
        ({**LLM, "LLM_PROVIDER": "gpt"}, "LLM_PROVIDER"),
        ({**LLM, "LLM_PROVIDER": "openai-like", "LLM_MODEL": "m"}, "LLM_BASE_URL"),
        (
            {**LLM, "LLM_PROVIDER": "openai-like", "LLM_MODEL": "m", "LLM_BASE_URL": "localhost:8000"},
            "LLM_BASE_URL",
        ),
        ({**LLM, "LLM_PROVIDER": "openai", "LLM_MODEL": "m"}, "LLM_API_KEY"),
        ({**LLM, "LLM_PROVIDER": "anthropic", "LLM_MODEL": "m"}, "LLM_API_KEY"),
        ({"LLM_TIMEOUT_SECONDS": "0"}, "LLM_TIMEOUT_SECONDS"),
        ({"LLM_MAX_RETRIES": "many"}, "LLM_MAX_RETRIES"),
        ({"LLM_MAX_FOLLOWUPS": "9"}, "LLM_MAX_FOLLOWUPS"),
    ],
)
def test_bad_llm_configuration_fails_at_start_naming_the_variable(env, variable):
    result = start_django(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


@pytest.mark.skipif(find_spec("anthropic") is not None, reason="the anthropic SDK is installed here")
def test_a_provider_without_its_sdk_fails_at_start():
    result = start_django({**LLM, "LLM_PROVIDER": "anthropic", "LLM_MODEL": "m", "LLM_API_KEY": "k"})
    assert result.returncode != 0
    assert "pip install anthropic" in result.stderr


def test_good_llm_configuration_starts():
    result = start_django(
        {**LLM, "LLM_PROVIDER": "openai-like", "LLM_MODEL": "m", "LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    assert result.returncode == 0, result.stderr
