"""Open WebUI's upstream variables: what they seed into `config`, and one clear line for
a bad value."""

import pytest

from data.settings import SettingsError, load_settings


def settings(tmp_path, **env):
    return load_settings({"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k" * 32, **env})


def test_defaults_match_open_webui(tmp_path):
    seed = settings(tmp_path).runtime.values
    assert seed["ollama.enable"] is True and seed["openai.enable"] is True
    assert seed["ollama.base_urls"] == ["http://localhost:11434"]
    assert seed["openai.api_base_urls"] == ["https://api.openai.com/v1"]
    assert seed["openai.api_keys"] == [""]
    assert seed["ollama.api_configs"] == {} and seed["openai.api_configs"] == {}
    upstreams = settings(tmp_path).upstreams
    assert upstreams.idle_timeout == 300 and upstreams.model_list_timeout == 10
    assert upstreams.bypass_model_access_control is False


def test_lists_keys_and_configs(tmp_path):
    seed = settings(
        tmp_path, OLLAMA_BASE_URLS="http://a:11434/; http://b:11434",
        OPENAI_API_BASE_URLS="http://c/v1;;http://d/v1", OPENAI_API_KEYS="k1;k2",
        OLLAMA_API_CONFIGS='{"1": {"prefix_id": "b"}}', ENABLE_OPENAI_API="false",
    ).runtime.values
    assert seed["ollama.base_urls"] == ["http://a:11434", "http://b:11434"]
    assert seed["openai.api_base_urls"] == ["http://c/v1", "https://api.openai.com/v1",
                                            "http://d/v1"]
    assert seed["openai.api_keys"] == ["k1", "k2", ""]  # aligned with the URLs
    assert seed["ollama.api_configs"] == {"1": {"prefix_id": "b"}}
    assert seed["openai.enable"] is False


def test_single_url_variables_and_the_legacy_api_url(tmp_path):
    seed = settings(tmp_path, OLLAMA_API_BASE_URL="http://x:11434/api",
                    OPENAI_API_BASE_URL="http://y/v1/", OPENAI_API_KEY="sk-1").runtime.values
    assert seed["ollama.base_urls"] == ["http://x:11434"]
    assert seed["openai.api_base_urls"] == ["http://y/v1"] and seed["openai.api_keys"] == ["sk-1"]


def test_timeouts_and_bypass(tmp_path):
    upstreams = settings(tmp_path, UPSTREAM_CONNECT_TIMEOUT="2", UPSTREAM_IDLE_TIMEOUT="45",
                         MODELS_CACHE_TTL="0", BYPASS_MODEL_ACCESS_CONTROL="true").upstreams
    assert (upstreams.connect_timeout, upstreams.idle_timeout) == (2, 45)
    assert upstreams.models_cache_ttl == 0 and upstreams.bypass_model_access_control
    legacy = settings(tmp_path, AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT="60").upstreams
    assert legacy.idle_timeout == 60


@pytest.mark.parametrize("env, named", [
    ({"OLLAMA_BASE_URL": "localhost:11434"}, "OLLAMA_BASE_URL"),
    ({"OPENAI_API_BASE_URLS": "ftp://x"}, "OPENAI_API_BASE_URLS"),
    ({"OPENAI_API_CONFIGS": "{not json"}, "OPENAI_API_CONFIGS"),
    ({"OLLAMA_API_CONFIGS": "[1]"}, "OLLAMA_API_CONFIGS"),
    ({"ENABLE_OLLAMA_API": "maybe"}, "ENABLE_OLLAMA_API"),
    ({"UPSTREAM_IDLE_TIMEOUT": "soon"}, "UPSTREAM_IDLE_TIMEOUT"),
    ({"UPSTREAM_CONNECT_TIMEOUT": "0"}, "UPSTREAM_CONNECT_TIMEOUT"),
    ({"AIOHTTP_POOL_CONNECTIONS": "-3"}, "AIOHTTP_POOL_CONNECTIONS"),
])
def test_a_bad_value_is_one_line_naming_the_variable(tmp_path, env, named):
    with pytest.raises(SettingsError) as caught:
        settings(tmp_path, **env)
    assert named in str(caught.value) and "\n" not in str(caught.value)
