"""The input rules (resolvers/input_rules.py) on every surface: JSON nested too deep,
integers past 64 bits and NUL characters are a 4xx in the surface's own dialect, on both
databases, and leave nothing written."""

import pytest

from tests.compat_rest.scim.conftest import SEARCH, USER, scim_error
from tests.compat_rest.scim.conftest import TOKEN as SCIM_TOKEN
from tests.conftest import bearer

DEEP = b"[" * 100_000
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"ENABLE_SCIM": "true", "SCIM_TOKEN": SCIM_TOKEN}


@pytest.fixture
async def admin(accounts) -> str:
    return (await accounts.admin())["token"]


SCIM = {"Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"}


async def test_deep_json_is_a_4xx_in_each_dialect(client, admin):
    owui = await client.post("/api/v1/chats/new", content=DEEP,
                             headers={**bearer(admin), **JSON})
    assert owui.status_code == 422 and owui.json()["detail"][0]["type"] == "json_invalid"
    signin = await client.post("/api/v1/auths/signin", content=DEEP, headers=JSON)
    assert signin.status_code == 422
    completions = await client.post("/api/chat/completions", content=DEEP,
                                    headers={**bearer(admin), **JSON})
    assert completions.status_code == 422
    openai = await client.post("/openai/chat/completions", content=DEEP,
                               headers={**bearer(admin), **JSON})
    assert openai.status_code == 400 and "nests deeper" in openai.json()["error"]["message"]
    ollama = await client.post("/ollama/api/chat", content=DEEP,
                               headers={**bearer(admin), **JSON})
    assert ollama.status_code == 400 and "nests deeper" in ollama.json()["error"]
    scim_error(await client.post("/scim/v2/Users", content=DEEP, headers=SCIM), 400,
               "invalidSyntax")


@pytest.mark.parametrize("page", [str(2**62), str(2**63), "9" * 30, "9" * 5000])
async def test_pages_past_64_bits_are_a_422(client, admin, page):
    for path in ("/api/v1/users", "/api/v1/chats/list", "/api/v1/chats/archived",
                 "/api/v1/chats/search?text=a&"):
        joiner = "" if path.endswith("&") else "?"
        response = await client.get(f"{path}{joiner}page={page}", headers=bearer(admin))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", "page"]


async def test_the_last_page_within_64_bits_is_simply_empty(client, admin):
    last = (2**63 - 1) // 60
    response = await client.get(f"/api/v1/chats/list?page={last}", headers=bearer(admin))
    assert response.status_code == 200 and response.json() == []


async def test_scim_paging_past_64_bits_is_invalid_value_and_within_is_clamped(client):
    for query in (f"startIndex={2**63}", f"count={2**64}", "startIndex=" + "9" * 40):
        scim_error(await client.get(f"/scim/v2/Users?{query}", headers=SCIM), 400,
                   "invalidValue")
    search = {"schemas": [SEARCH], "startIndex": 10**30}
    scim_error(await client.post("/scim/v2/Users/.search", json=search, headers=SCIM), 400,
               "invalidValue")
    far = await client.get(f"/scim/v2/Users?startIndex={2**63 - 1}&count=-5", headers=SCIM)
    assert far.status_code == 200, far.text
    assert far.json()["Resources"] == [] and far.json()["startIndex"] == 2**63 - 1


async def test_nul_characters_are_refused_on_every_rest_surface(client, admin):
    nul = "a\x00b"
    checks = [
        ("/api/v1/auths/signin", {"email": nul, "password": "x"}, {}, 422),
        ("/api/v1/auths/signup", {"name": "n", "email": nul, "password": "x"}, {}, 422),
        ("/api/v1/chats/new", {"chat": {"title": nul}}, bearer(admin), 422),
        ("/api/chats", {"chat": {"title": "t", "history": {nul: {}}}}, bearer(admin), 422),
        ("/api/chat/completions", {"model": nul, "messages": []}, bearer(admin), 422),
        ("/openai/chat/completions", {"model": nul, "messages": []}, bearer(admin), 400),
        ("/ollama/api/chat", {"model": nul, "messages": []}, bearer(admin), 400),
    ]
    for path, body, headers, status in checks:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
    listed = await client.get("/api/v1/chats/list", headers=bearer(admin))
    assert listed.json() == []
    scim_error(await client.post("/scim/v2/Users", headers=SCIM,
                                 json={"schemas": [USER], "userName": "ada\x00@example.com"}),
               400, "invalidValue")
    scim_error(await client.get('/scim/v2/Users?filter=userName eq "a\\u0000"', headers=SCIM),
               400, "invalidFilter")
    users = await client.get("/scim/v2/Users", headers=SCIM)
    assert users.json()["totalResults"] == 1  # the admin alone


async def test_a_token_with_a_nul_is_simply_invalid(client):
    client.cookies.set("token", '"sk-a\\000b"')  # an octal escape the cookie parser decodes
    response = await client.get("/api/v1/auths/")
    client.cookies.clear()
    assert response.status_code == 401, response.text
