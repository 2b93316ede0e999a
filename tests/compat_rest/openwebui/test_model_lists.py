"""Open WebUI's workspace model lists and bulk routes: `/list` (paged, filtered, sorted,
only what the caller may see), `/base`, `/all`, `/tags`, export and import, delete all,
the profile image, and the administrators-only routes refusing users."""

import base64

import pytest

from tests.compat_rest.openwebui.model_helpers import V1, create, people, preset
from tests.support.ai import *  # noqa: F403


@pytest.fixture
async def folks(accounts):
    return await people(accounts)


def many(count: int) -> list[dict]:
    return [preset(f"m{n:02d}", meta={"description": "d", "tags": [{"name": "Bulk"}]})
            for n in range(count)]


async def import_models(client, admin, models) -> None:
    answer = await client.post(f"{V1}/import", headers=admin, json={"models": models})
    assert answer.status_code == 200, answer.text
    assert answer.json() is True


async def test_list_pages_thirty_and_filters(client, folks):
    admin, *_ = folks
    await import_models(client, admin, many(31))
    await create(client, admin, "zeta", meta={"profile_image_url": "data:image/png;base64,AA==",
                                              "tags": [{"name": "Rare"}]})
    await client.post("/api/v1/models/model/access/update", headers=admin,
                      json={"id": "gpt-4o", "access_grants": []})  # an override: not listed
    first = (await client.get(f"{V1}/list", headers=admin)).json()
    assert first["total"] == 32 and len(first["items"]) == 30
    second = (await client.get(f"{V1}/list", params={"page": 2}, headers=admin)).json()
    assert len(second["items"]) == 2
    seen = {m["id"] for m in first["items"] + second["items"]}
    assert len(seen) == 32 and "gpt-4o" not in seen
    by_name = (await client.get(f"{V1}/list", params={"order_by": "name", "direction": "asc"},
                                headers=admin)).json()["items"]
    assert [m["name"] for m in by_name[:2]] == ["M00", "M01"]
    zeta = (await client.get(f"{V1}/list", params={"query": "ZET"}, headers=admin)).json()
    assert zeta["total"] == 1
    item = zeta["items"][0]
    assert "profile_image_url" not in item["meta"] and item["meta"]["tags"] == [{"name": "Rare"}]
    assert item["user"]["name"] == "Ada Admin" and item["write_access"] is True
    tagged = (await client.get(f"{V1}/list", params={"tag": "rare"}, headers=admin)).json()
    assert [m["id"] for m in tagged["items"]] == ["zeta"]
    owner = (await client.get(f"{V1}/list", params={"query": "example.com"},
                              headers=admin)).json()
    assert owner["total"] == 32  # the owner's email matches, as Open WebUI searches


async def test_users_list_what_they_may_see(client, folks):
    admin, user, una, bo_headers, bo = folks
    read = [{"principal_type": "user", "principal_id": una["id"], "permission": "read"}]
    write = [{"principal_type": "user", "principal_id": una["id"], "permission": "write"}]
    await create(client, admin, "readable", access_grants=read)
    await create(client, admin, "writable", access_grants=write)
    await create(client, admin, "hidden")
    listed = (await client.get(f"{V1}/list", headers=user)).json()
    got = {m["id"]: m for m in listed["items"]}
    assert set(got) == {"readable", "writable"} and listed["total"] == 2
    assert got["readable"]["write_access"] is False and got["readable"]["params"] == {}
    assert got["writable"]["params"] == {"system": "Be kind."}
    shared = (await client.get(f"{V1}/list", params={"view_option": "shared"},
                               headers=user)).json()
    assert shared["total"] == 2
    mine = (await client.get(f"{V1}/list", params={"view_option": "created"},
                             headers=user)).json()
    assert mine["total"] == 0
    assert (await client.get(f"{V1}/tags", headers=bo_headers)).json() == []
    assert (await client.get(f"{V1}/list", headers=bo_headers)).json()["total"] == 0


async def test_tags_base_and_all(client, folks):
    admin, user, *_ = folks
    await create(client, admin, "a", meta={"tags": [{"name": "fast"}, {"name": "code"}]})
    await create(client, admin, "b", meta={"tags": [{"name": "fast"}, "junk"]})
    await client.post("/api/v1/models/model/access/update", headers=admin,
                      json={"id": "gpt-4o", "access_grants": []})
    assert (await client.get(f"{V1}/tags", headers=admin)).json() == ["code", "fast"]
    base = (await client.get(f"{V1}/base", headers=admin)).json()
    assert [m["id"] for m in base] == ["gpt-4o"] and base[0]["base_model_id"] is None
    assert "write_access" not in base[0]
    assert {m["id"] for m in (await client.get(f"{V1}/all", headers=admin)).json()} == {
        "a", "b", "gpt-4o"}
    upstream = (await client.get("/api/models/base", headers=admin)).json()["data"]
    assert "llama3:8b" in [m["id"] for m in upstream] and "a" not in [m["id"] for m in upstream]
    for path in (f"{V1}/base", f"{V1}/all", f"{V1}/export", "/api/models/base"):
        assert (await client.get(path, headers=user)).status_code == 401, path
    assert (await client.post(f"{V1}/import", headers=user,
                              json={"models": []})).status_code == 401
    assert (await client.delete(f"{V1}/delete/all", headers=user)).status_code == 401


async def test_export_import_round_trip(client, folks):
    admin, *_ = folks
    public = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
    await create(client, admin, "a", meta={"tags": [{"name": "x"}]}, params={"seed": 3},
                 access_grants=public)
    await create(client, admin, "b")
    exported = (await client.get(f"{V1}/export", headers=admin)).json()
    assert {m["id"] for m in exported} == {"a", "b"}
    deleted = await client.delete(f"{V1}/delete/all", headers=admin)
    assert deleted.status_code == 200 and deleted.json() is True
    assert (await client.get(f"{V1}/all", headers=admin)).json() == []
    history = await client.get(f"{V1}/model/history", params={"id": "a"}, headers=admin)
    assert history.status_code == 404
    await import_models(client, admin, exported)
    again = {m["id"]: m for m in (await client.get(f"{V1}/export", headers=admin)).json()}
    keep = ("id", "name", "base_model_id", "meta", "params", "is_active", "user_id")
    assert [{k: m[k] for k in keep} for m in exported] == [
        {k: again[m["id"]][k] for k in keep} for m in exported]
    assert [g["principal_id"] for g in again["a"]["access_grants"]] == ["*"]
    # Importing over existing ids updates them, with a new version each.
    await import_models(client, admin, [dict(exported[0], name="Renamed")])
    history = (await client.get(f"{V1}/model/history", params={"id": exported[0]["id"]},
                                headers=admin)).json()
    assert len(history) == 2


async def test_a_bad_import_writes_nothing(client, folks):
    admin, *_ = folks
    bad = [preset("good"), preset("has space")]
    answer = await client.post(f"{V1}/import", headers=admin, json={"models": bad})
    assert answer.status_code == 400
    twice = await client.post(f"{V1}/import", headers=admin,
                              json={"models": [preset("x"), preset("x")]})
    assert twice.status_code == 400
    shapeless = await client.post(f"{V1}/import", headers=admin, json={"models": [{"id": 1}]})
    assert shapeless.status_code == 422
    assert (await client.get(f"{V1}/all", headers=admin)).json() == []


async def test_profile_images(client, folks):
    admin, user, *_ = folks
    png = base64.b64encode(b"\x89PNG-ish").decode()
    await create(client, admin, "inline",
                 meta={"profile_image_url": f"data:image/png;base64,{png}"})
    await create(client, admin, "linked", meta={"profile_image_url": "https://img.test/a.png"})
    await create(client, admin, "plain")
    image = f"{V1}/model/profile/image"
    inline = await client.get(image, params={"id": "inline"}, headers=user)
    assert inline.status_code == 200 and inline.content == b"\x89PNG-ish"
    assert inline.headers["content-type"] == "image/png"
    linked = await client.get(image, params={"id": "linked"}, headers=user)
    assert linked.status_code == 302 and linked.headers["location"] == "https://img.test/a.png"
    for model_id in ("plain", "no-such-model"):
        default = await client.get(image, params={"id": model_id}, headers=user)
        assert default.status_code == 200 and default.content.startswith(b"\x89PNG")
    assert (await client.get(image, params={"id": "plain"})).status_code == 401


async def test_bad_list_requests_are_4xx(client, folks):
    admin, *_ = folks
    for params in ({"order_by": "nonsense"}, {"view_option": "everything"}):
        answer = await client.get(f"{V1}/list", params=params, headers=admin)
        assert answer.status_code == 400, params
        assert isinstance(answer.json()["detail"], str)
    assert (await client.get(f"{V1}/list", params={"page": "x"}, headers=admin)
            ).status_code == 422
