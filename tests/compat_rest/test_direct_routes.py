"""Relay requests that no middleware would act on go straight to their endpoint
(compat_rest/direct.py); every other request takes the whole stack. Both ways answer
alike. Which way a request took shows in one header: Starlette's CORS middleware adds
`Vary: Origin` to everything it passes, the direct way does not."""

import pytest

from asgi import create_app
from tests.conftest import bearer, make_settings
from tests.support.ai import *  # noqa: F403 (the upstream fixture)
from tests.support.ai import upstream_env

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
OLLAMA_CHAT = {"model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}],
               "stream": False}


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return {**upstream_env(upstream), "MAX_BODY_SIZE": "2KB"}


@pytest.fixture
async def admin(accounts):
    await accounts.admin()
    return bearer(accounts.admin_token)


def went_direct(response) -> bool:
    return "vary" not in response.headers


def without_cors(headers) -> dict[str, str]:
    cors = ("vary", "access-control-allow-origin", "access-control-allow-credentials",
            "access-control-expose-headers")
    return {k: v for k, v in headers.items() if k not in cors and k != "date"}


async def test_a_plain_relay_request_goes_direct_and_answers_as_the_stack_does(
        client, admin):
    direct = await client.post("/openai/chat/completions", headers=admin, json=CHAT)
    browser = await client.post("/openai/chat/completions", json=CHAT,
                                headers={**admin, "Origin": "https://app.example"})
    assert direct.status_code == browser.status_code == 200
    assert went_direct(direct) and not went_direct(browser)
    assert browser.headers["access-control-allow-origin"] == "*"
    assert direct.json()["choices"] == browser.json()["choices"]
    assert without_cors(direct.headers).keys() == without_cors(browser.headers).keys()


async def test_errors_are_the_dialects_own_on_either_way(client, admin):
    requests = [("/openai/chat/completions", {"messages": []}, admin),
                ("/ollama/api/chat", dict(OLLAMA_CHAT, model="nope"), admin),
                ("/ollama/api/generate", {"prompt": "hi"}, admin),
                ("/openai/v1/chat/completions", CHAT, {})]
    for path, body, headers in requests:
        direct = await client.post(path, json=body, headers=headers)
        browser = await client.post(path, json=body,
                                    headers={**headers, "Origin": "https://app.example"})
        assert went_direct(direct) and not went_direct(browser)
        assert 400 <= direct.status_code < 500 and "error" in direct.json(), path
        assert (direct.status_code, direct.json()) == (browser.status_code, browser.json())


async def test_a_trailing_slash_is_served_as_without_it(client, admin):
    slashed = await client.post("/ollama/api/chat/", headers=admin, json=OLLAMA_CHAT)
    assert slashed.status_code == 200 and went_direct(slashed)
    assert slashed.json()["message"]["content"] == "tok0 tok1 tok2 "


async def test_routes_with_parameters_and_other_methods_take_the_stack(client, admin):
    indexed = await client.post("/ollama/api/chat/0", headers=admin, json=OLLAMA_CHAT)
    assert indexed.status_code == 200 and not went_direct(indexed)
    listed = await client.get("/openai/models", headers=admin)
    assert listed.status_code == 200 and not went_direct(listed)
    wrong_method = await client.get("/openai/chat/completions", headers=admin)
    assert wrong_method.status_code == 405


async def test_bodies_over_the_limit_are_refused_by_the_guard_on_both_framings(
        client, admin):
    big = dict(CHAT, messages=[{"role": "user", "content": "x" * 4096}])
    declared = await client.post("/openai/chat/completions", headers=admin, json=big)
    assert declared.status_code == 413 and "detail" in declared.json()

    async def pieces():
        yield b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}]}'

    streamed = await client.post("/openai/chat/completions", content=pieces(),
                                 headers={**admin, "Content-Type": "application/json"})
    assert streamed.status_code == 413 and "detail" in streamed.json()
    small = await client.post("/openai/chat/completions", headers=admin, json=CHAT)
    assert small.status_code == 200 and went_direct(small)


def test_the_middleware_list_is_the_one_direct_routes_was_reviewed_against(tmp_path):
    """Relay POSTs skip every middleware after DirectRoutes. A middleware added to the
    stack would not run for them, so adding one means deciding, in compat_rest/direct.py,
    whether such requests need it too; then update this list."""
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'webui.db'}"))
    names = [entry.cls.__name__ for entry in app.user_middleware]
    assert names == ["DirectRoutes", "TrailingSlash", "CORSMiddleware", "RequestEdge"], (
        "the middleware list changed: review compat_rest/direct.py for the new layer")
