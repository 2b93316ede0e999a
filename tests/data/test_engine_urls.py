"""The engine URL rule: link-local and metadata addresses refused unless allowed;
loopback and private networks (where engines usually run) accepted."""

import pytest

from data.engines.urls import EngineUrlRefused, check_engine_host, check_engine_url
from data.settings import load_settings


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data", "http://169.254.1.2:8188",
    "http://[fe80::1]:7860", "http://[::ffff:169.254.169.254]/", "http://100.100.100.200/",
    "http://[fd00:ec2::254]/", "http://metadata.google.internal/computeMetadata/v1",
    "https://METADATA.GOOGLE.INTERNAL./", "http://instance-data/",
])
def test_link_local_and_metadata_refused_by_default(url):
    with pytest.raises(EngineUrlRefused):
        check_engine_url(url, False)
    assert check_engine_url(url, True)  # the setting allows them


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8188", "http://localhost:7860/", "http://10.0.0.5:8188",
    "http://192.168.1.20", "https://api.openai.com/v1", "http://[::1]:8188",
])
def test_engines_where_they_usually_run_are_accepted(url):
    assert check_engine_url(url, False) == url.rstrip("/")


@pytest.mark.parametrize("url", ["ftp://example.com", "file:///etc/passwd", "http://",
                                 "not a url", "http://host:notaport/", "gopher://x"])
def test_not_http_urls_refused(url):
    with pytest.raises(EngineUrlRefused):
        check_engine_url(url, True)


async def test_a_name_resolving_to_link_local_is_refused_before_a_request(monkeypatch):
    import asyncio

    loop = asyncio.get_running_loop()

    async def resolves_to_metadata(host, port, **kwargs):
        return [(2, 1, 6, "", ("169.254.169.254", 0))]

    monkeypatch.setattr(loop, "getaddrinfo", resolves_to_metadata)
    with pytest.raises(EngineUrlRefused):
        await check_engine_host("http://engine.example/", False)
    await check_engine_host("http://engine.example/", True)


async def test_loopback_name_passes_before_a_request():
    await check_engine_host("http://localhost:8188", False)


def test_setting_is_read_from_the_environment(tmp_path):
    env = {"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k"}
    assert load_settings(env).engine_urls_allow_link_local is False
    env["ENGINE_URLS_ALLOW_LINK_LOCAL"] = "true"
    assert load_settings(env).engine_urls_allow_link_local is True
