"""Discovery: ServiceProviderConfig, ResourceTypes and Schemas, readable without a token,
as ListResponses and by id, read-only, and truthful about what the server does."""

import pytest

from tests.compat_rest.scim.conftest import ENTERPRISE, GROUP, USER, scim_error

PREFIXES = ["/scim/v2", "/api/v1/scim/v2"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_discovery_needs_no_token_and_describes_the_server(client, prefix):
    config = await client.get(f"{prefix}/ServiceProviderConfig")
    assert config.status_code == 200
    assert config.headers["content-type"].startswith("application/scim+json")
    body = config.json()
    assert body["patch"] == {"supported": True} and body["etag"] == {"supported": True}
    assert body["sort"] == {"supported": True} and body["bulk"]["supported"] is False
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert body["meta"]["location"] == f"http://parley.test{prefix}/ServiceProviderConfig"

    types = (await client.get(f"{prefix}/ResourceTypes")).json()
    assert types["totalResults"] == 2 and types["itemsPerPage"] == 2
    by_id = {t["id"]: t for t in types["Resources"]}
    assert by_id["User"]["schema"] == USER and by_id["Group"]["endpoint"] == "/Groups"
    assert by_id["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    user_type = (await client.get(f"{prefix}/ResourceTypes/User")).json()
    assert user_type["meta"]["location"].endswith(f"{prefix}/ResourceTypes/User")

    schemas = (await client.get(f"{prefix}/Schemas")).json()
    assert {s["id"] for s in schemas["Resources"]} == {USER, ENTERPRISE, GROUP}
    user = (await client.get(f"{prefix}/Schemas/{USER}")).json()
    attrs = {a["name"]: a for a in user["attributes"]}
    assert attrs["userName"]["uniqueness"] == "server" and attrs["userName"]["required"]
    assert attrs["password"]["returned"] == "never"
    assert attrs["password"]["mutability"] == "writeOnly"
    assert attrs["groups"]["mutability"] == "readOnly"
    emails = {a["name"]: a for a in attrs["emails"]["subAttributes"]}
    assert emails["type"]["canonicalValues"] == ["work", "home", "other"]
    group = (await client.get(f"{prefix}/Schemas/{GROUP.upper()}")).json()  # any case
    assert group["id"] == GROUP


async def test_unknown_ids_are_scim_404s_and_writes_are_405(client):
    scim_error(await client.get("/scim/v2/ResourceTypes/Printer"), 404)
    scim_error(await client.get("/scim/v2/Schemas/urn:nope"), 404)
    for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas", f"/Schemas/{USER}"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await client.request(method, f"/scim/v2{path}", json={})
            scim_error(response, 405)
            assert response.headers["allow"] == "GET"


async def test_a_filter_on_discovery_is_refused_rather_than_ignored(client):
    scim_error(await client.get("/scim/v2/Schemas", params={"filter": 'id eq "x"'}), 403)


async def test_unknown_paths_and_unsupported_endpoints_answer_in_scim(client, scim):
    scim_error(await client.get("/scim/v2/Printers"), 404)
    scim_error(await client.get("/api/v1/scim/v2/Users/x/y/z"), 404)
    await scim.call("GET", "/Me", status=501)
    await scim.call("POST", "/Bulk", {}, status=501)
