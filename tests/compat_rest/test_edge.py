"""The edge every REST request crosses before authentication (compat_rest/edge.py): bodies
are JSON or refused with 415, a page of another origin cannot act with the session
cookie (403), and a URL with a NUL is a 400, each in the dialect of the path."""

import json

import pytest

from tests.compat_rest.scim.conftest import TOKEN as SCIM_TOKEN
from tests.compat_rest.scim.conftest import scim_error
from tests.conftest import bearer

EVIL = "https://evil.example"
FRIEND = "https://app.example"
CHAT = json.dumps({"chat": {"title": "from a form"}})


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"ENABLE_SCIM": "true", "SCIM_TOKEN": SCIM_TOKEN, "CORS_ALLOW_ORIGIN": FRIEND}


@pytest.fixture
async def admin(accounts) -> str:
    return (await accounts.admin())["token"]


async def chat_titles(client, token) -> list[str]:
    response = await client.get("/api/v1/chats/list", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [chat["title"] for chat in response.json()]


@pytest.mark.parametrize("content_type", [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", None])
async def test_a_cross_site_form_cannot_create_a_chat_with_the_cookie(
        client, admin, content_type):
    """What a browser sends cross-site without a preflight: a simple content type, or
    a body with none at all (a no-cors fetch of a Blob)."""
    client.cookies.set("token", admin)
    headers = {"Origin": EVIL}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await client.post("/api/v1/chats/new", content=CHAT, headers=headers)
    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["detail"]
    client.cookies.clear()
    assert await chat_titles(client, admin) == []


async def test_415_comes_before_authentication_and_in_each_dialect(client):
    """No credentials at all: the media type is refused first, in the path's dialect."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    owui = await client.post("/api/v1/auths/signin", content="email=a&password=b",
                             headers=form)
    assert owui.status_code == 415 and "detail" in owui.json()
    openai = await client.post("/openai/chat/completions", content="{}", headers=form)
    assert openai.status_code == 415
    assert openai.json()["error"]["type"] == "invalid_request_error"
    ollama = await client.post("/ollama/api/chat", content="{}", headers=form)
    assert ollama.status_code == 415 and isinstance(ollama.json()["error"], str)
    scim_error(await client.post("/scim/v2/Users", content="{}", headers=form), 415)


async def test_json_types_pass_and_bodiless_writes_need_no_type(client, admin):
    for content_type in ("application/json", "application/json; charset=utf-8",
                         "Application/JSON", "application/vnd.api+json"):
        response = await client.post("/api/v1/chats/new", content=CHAT, headers={
            **bearer(admin), "Content-Type": content_type})
        assert response.status_code == 200, (content_type, response.text)
    chat_id = response.json()["id"]
    archived = await client.post(f"/api/v1/chats/{chat_id}/archive", headers=bearer(admin))
    assert archived.status_code == 200 and archived.json()["archived"] is True


async def test_scim_takes_its_own_media_type(client):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@example.com"}
    response = await client.post("/scim/v2/Users", content=json.dumps(body), headers={
        "Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"})
    assert response.status_code == 201, response.text


async def test_a_cookie_write_from_another_origin_is_refused(client, admin):
    """A bodiless POST needs no JSON to act: the cookie must come from our own pages or
    from an origin CORS_ALLOW_ORIGIN names."""
    chat_id = (await client.post("/api/v1/chats/new", json={"chat": {"title": "t"}},
                                 headers=bearer(admin))).json()["id"]
    client.cookies.set("token", admin)
    archive = f"/api/v1/chats/{chat_id}/archive"
    for headers in ({"Origin": EVIL}, {"Origin": "null"},
                    {"Origin": "https://sub.parley.test"},
                    {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = await client.post(archive, headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
        assert "CORS_ALLOW_ORIGIN" in refused.json()["detail"]
    refused = await client.post("/api/v1/chats/new", json={"chat": {"title": "evil"}},
                                headers={"Origin": EVIL})
    assert refused.status_code == 403
    client.cookies.clear()
    assert await chat_titles(client, admin) == ["t"]  # neither archived nor created

    client.cookies.set("token", admin)
    for headers in ({"Origin": "http://parley.test"}, {"Origin": FRIEND},
                    {"Origin": EVIL, "Sec-Fetch-Site": "same-origin"}, {}):
        allowed = await client.post(archive, headers=headers)
        assert allowed.status_code == 200, (headers, allowed.text)


async def test_a_link_on_another_site_cannot_sign_out_through_get(client, admin):
    """Open WebUI signs out on GET too; a top-level navigation from another site carries
    the Lax cookie, so that GET follows the rule of a write."""
    client.cookies.set("token", admin)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": EVIL}):
        refused = await client.get("/api/v1/auths/signout", headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
    assert (await client.get("/api/v1/auths/")).status_code == 200  # still signed in
    own = await client.get("/api/v1/auths/signout", headers={"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200, own.text
    client.cookies.clear()
    assert (await client.get("/api/v1/auths/", headers=bearer(admin))).status_code == 401


async def test_a_bearer_token_is_not_a_cookie_write(client, admin):
    """A page that holds the token itself had to pass CORS to send the header."""
    response = await client.post("/api/v1/chats/new", json={"chat": {"title": "t"}},
                                 headers={**bearer(admin), "Origin": EVIL})
    assert response.status_code == 200, response.text


async def test_a_nul_in_the_url_is_a_400_in_each_dialect(client, admin):
    for path in ("/api/v1/chats/ab%00cd", "/api/v1/users/x%00", "/api/v1/chats/search?text=a%00",
                 "/api/v1/models/model?id=a%00", "/api/tasks/x%00"):
        response = await client.get(path, headers=bearer(admin))
        assert response.status_code == 400, (path, response.text)
        assert "NUL" in response.json()["detail"]
    scim = {"Authorization": f"Bearer {SCIM_TOKEN}"}
    scim_error(await client.get("/scim/v2/Users/a%00b", headers=scim), 400, "invalidValue")
    scim_error(await client.get('/scim/v2/Users?filter=userName eq "a%00"', headers=scim),
               400, "invalidValue")
    ollama = await client.post("/ollama/api/chat?x=%00", json={}, headers=bearer(admin))
    assert ollama.status_code == 400 and "NUL" in ollama.json()["error"]
    graphql = await client.get("/graphql?query={me{id}}%00", headers=bearer(admin))
    assert graphql.status_code == 400
    assert graphql.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_page_cors_admits_can_read_the_refusal(client, admin):
    """The edge sits inside CORS: an allowed page sees why its request was refused."""
    response = await client.post("/api/v1/chats/new", content=CHAT, headers={
        **bearer(admin), "Origin": FRIEND, "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.headers["access-control-allow-origin"] == FRIEND


async def test_graphql_keeps_its_own_media_type_rule(client, admin):
    client.cookies.set("token", admin)
    mutation = 'mutation { createChat(input: {title: "x"}) { __typename } }'
    response = await client.post("/graphql", content=json.dumps({"query": mutation}),
                                 headers={"Origin": EVIL, "Content-Type": "text/plain"})
    client.cookies.clear()
    assert 400 <= response.status_code < 500, response.text
    assert await chat_titles(client, admin) == []
