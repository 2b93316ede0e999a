"""The documented `/api/models` routes over the workspace model resolvers: Open WebUI's
runtime list kept at `GET /api/models`, create, read, update and delete by id (ids with
`/`), duplicate, search, and validate with each kind of problem."""

import pytest

from data.tables import FunctionRow, KnowledgeRow
from tests.compat_rest.openwebui.model_helpers import (
    allow_workspace_models,
    create,
    people,
    preset,
)
from tests.support.ai import *  # noqa: F403


@pytest.fixture
async def folks(accounts):
    return await people(accounts)


async def seed(app, *rows) -> None:
    """Knowledge bases and functions, which have no routes of their own here yet."""
    async with app.state.services.write_sessionmaker() as session:
        session.add_all(rows)
        await session.commit()


def knowledge(kb_id: str, owner: str) -> KnowledgeRow:
    return KnowledgeRow(id=kb_id, user_id=owner, name=kb_id, description="",
                        meta={}, created_at=1, updated_at=1)


def function(function_id: str, kind: str, active: bool = True) -> FunctionRow:
    return FunctionRow(id=function_id, user_id="someone", name=function_id, type=kind,
                       content="", meta={}, valves={}, is_active=active, is_global=False,
                       created_at=1, updated_at=1)


async def test_get_api_models_stays_open_webuis_runtime_list(client, folks):
    admin, *_ = folks
    await create(client, admin, "helper")
    answer = await client.get("/api/models", headers=admin)
    ids = [m["id"] for m in answer.json()["data"]]
    assert "llama3:8b" in ids and "helper" in ids


async def test_create_read_update_delete_by_id(client, folks):
    admin, user, una, *_ = folks
    body = preset("team/helper")
    refused = await client.post("/api/models", headers=user, json=body)
    assert refused.status_code == 403
    await allow_workspace_models(client, admin)
    created = await client.post("/api/models", headers=user, json=body)
    assert created.status_code == 200, created.text
    assert created.json()["user_id"] == una["id"] and created.json()["version_id"]
    taken = await client.post("/api/models", headers=user, json=body)
    assert taken.status_code == 409
    got = await client.get("/api/models/team/helper", headers=user)
    assert got.status_code == 200 and got.json()["write_access"] is True
    updated = await client.post("/api/models/team/helper", headers=user,
                                json={"name": "Renamed"})
    assert updated.json()["name"] == "Renamed"
    assert updated.json()["params"] == {"system": "Be kind."}  # omitted: kept
    stale = await client.post("/api/models/team/helper", headers=user,
                              json={"name": "X", "version_id": created.json()["version_id"]})
    assert stale.status_code == 409
    assert (await client.get("/api/models/nope", headers=user)).status_code == 404
    bad = await client.post("/api/models/team/helper", headers=user, json={"name": 5})
    assert bad.status_code == 422
    deleted = await client.delete("/api/models/team/helper", headers=user)
    assert deleted.status_code == 200 and deleted.json() is True
    assert (await client.get("/api/models/team/helper", headers=user)).status_code == 404
    assert (await client.delete("/api/models/team/helper", headers=user)).status_code == 404


async def test_read_and_write_grants_on_the_documented_routes(client, folks):
    admin, user, una, bo_headers, bo = folks
    grants = [{"principal_type": "user", "principal_id": una["id"], "permission": "read"},
              {"principal_type": "user", "principal_id": bo["id"], "permission": "write"}]
    await create(client, admin, "shared", access_grants=grants)
    assert (await client.get("/api/models/shared", headers=user)).json()["params"] == {}
    assert (await client.post("/api/models/shared", headers=user,
                              json={"name": "no"})).status_code == 403
    assert (await client.delete("/api/models/shared", headers=user)).status_code == 403
    changed = await client.post("/api/models/shared", headers=bo_headers, json={"name": "Bo's"})
    assert changed.status_code == 200 and changed.json()["name"] == "Bo's"


async def test_duplicate_is_a_copy_owned_by_the_caller_without_grants(client, folks):
    admin, user, una, *_ = folks
    public = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
    source = await create(client, admin, "helper", access_grants=public,
                          params={"temperature": 0.2})
    refused = await client.post("/api/models/helper/duplicate", headers=user)
    assert refused.status_code == 403  # no workspace.models yet
    await allow_workspace_models(client, admin)
    copied = await client.post("/api/models/helper/duplicate", headers=user)
    assert copied.status_code == 200, copied.text
    copy = copied.json()
    assert copy["id"] == "helper-copy" and copy["user_id"] == una["id"]
    assert copy["access_grants"] == [] and copy["params"] == source["params"]
    assert copy["base_model_id"] == "llama3:8b" and copy["name"] == "Helper (copy)"
    second = (await client.post("/api/models/helper/duplicate", headers=user)).json()
    assert second["id"] == "helper-copy-2"
    named = await client.post("/api/models/helper/duplicate", headers=admin,
                              json={"id": "mine", "name": "Mine"})
    assert (named.json()["id"], named.json()["name"]) == ("mine", "Mine")
    taken = await client.post("/api/models/helper/duplicate", headers=admin, json={"id": "mine"})
    assert taken.status_code == 409
    override = await client.post("/api/v1/models/model/access/update", headers=admin,
                                 json={"id": "gpt-4o", "access_grants": public})
    assert override.status_code == 200
    of_upstream = (await client.post("/api/models/gpt-4o/duplicate", headers=admin)).json()
    assert of_upstream["base_model_id"] == "gpt-4o"  # a preset on the upstream model
    assert (await client.post("/api/models/nope/duplicate", headers=admin)).status_code == 404


async def test_search_by_name_id_description_and_tag_paged(client, folks):
    admin, user, *_ = folks
    await create(client, admin, "alpha", name="First", meta={
        "description": "Writes poems", "tags": [{"name": "Poetry"}]})
    await create(client, admin, "beta", name="Second", meta={
        "description": "Café crème", "tags": [{"name": 'say "hi"'}]})
    for n in range(30):
        await create(client, admin, f"bulk-{n:02d}", meta={"description": "filler"})

    async def ids(**params):
        answer = await client.get("/api/models/search", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return [m["id"] for m in answer.json()["items"]]

    assert await ids(q="first") == ["alpha"]
    assert await ids(q="ALPH") == ["alpha"]
    assert await ids(q="poems") == ["alpha"]
    assert await ids(q="poet") == ["alpha"]
    assert await ids(tag="poetry") == ["alpha"]
    assert await ids(q="100%") == []
    assert await ids(q="café") == ["beta"]  # stored as \u00e9 in the JSON text
    assert await ids(tag='say "hi"') == ["beta"]
    assert await ids(q='"hi') == ["beta"]
    page = (await client.get("/api/models/search", params={"q": "filler"},
                             headers=admin)).json()
    assert page["total"] == 30 and len(page["items"]) == 30 and page["page"] == 1
    everything = (await client.get("/api/models/search", headers=admin)).json()
    assert everything["total"] == 32 and len(everything["items"]) == 30
    rest = await ids(page=2)
    assert len(rest) == 2
    assert (await client.get("/api/models/search", headers=user)).json()["total"] == 0
    assert (await client.get("/api/models/search", params={"page": "0"},
                             headers=admin)).status_code == 422


async def validate(client, headers, body, **params):
    answer = await client.post("/api/models/validate", headers=headers, json=body,
                               params=params)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["valid"] is (not found["problems"])
    return {(p["field"], p["message"].split(" ")[0]) for p in found["problems"]}, found


async def test_validate_reports_each_kind_of_problem(app, client, folks):
    admin, user, una, *_ = folks
    await seed(app, knowledge("kb-mine", una["id"]), knowledge("kb-other", "someone"),
               function("polite", "filter"), function("off", "filter", active=False),
               function("share", "action"))
    ok, found = await validate(client, admin, preset("fine"))
    assert found == {"valid": True, "problems": []}
    await create(client, admin, "taken")
    cases = [
        ({"id": "has space"}, ("id", "A")),
        ({"id": "x" * 300}, ("id", "A")),
        ({"id": "taken"}, ("id", "This")),
        ({"name": ""}, ("name", "A")),
        ({"base_model_id": "no-such"}, ("base_model_id", "There")),
        ({"base_model_id": "fine"}, ("base_model_id", "A")),  # its own base
        ({"params": {"temperature": "hot"}}, ("params.temperature", "temperature")),
        ({"params": {"temperature": 3}}, ("params.temperature", "temperature")),
        ({"params": {"top_p": True}}, ("params.top_p", "top_p")),
        ({"params": {"max_tokens": 0}}, ("params.max_tokens", "max_tokens")),
        ({"params": {"stop": [1]}}, ("params.stop", "stop")),
        ({"params": {"seed": 1.5}}, ("params.seed", "seed")),
        ({"params": {"system": ["x"]}}, ("params.system", "system")),
        ({"meta": {"knowledge": [{"id": "kb-none"}]}}, ("meta.knowledge", "There")),
        ({"meta": {"knowledge": "kb"}}, ("meta.knowledge", "knowledge")),
        ({"meta": {"toolIds": ["web"]}}, ("meta.toolIds", "There")),
        ({"meta": {"filterIds": ["share"]}}, ("meta.filterIds", "There")),
        ({"meta": {"actionIds": ["nope"]}}, ("meta.actionIds", "There")),
    ]
    for change, expected in cases:
        problems, _ = await validate(client, admin, preset("fine") | change)
        assert problems == {expected}, (change, problems)
    several, found = await validate(client, admin, {"id": "", "name": "", "params": {
        "seed": "x"}})
    assert {field for field, _ in several} == {"id", "name", "params.seed"}
    assert found["valid"] is False


async def test_validate_as_a_user(app, client, folks):
    admin, user, una, *_ = folks
    await seed(app, knowledge("kb-mine", una["id"]), knowledge("kb-other", "someone"),
               function("polite", "filter"), function("off", "filter", active=False))
    no_right, _ = await validate(client, user, preset("mine"))
    assert ("id", "You") in no_right  # workspace.models is off by default
    await allow_workspace_models(client, admin)
    assert (await validate(client, user, preset("mine")))[0] == {("base_model_id", "You")}
    public = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
    await client.post("/api/v1/models/model/access/update", headers=admin,
                      json={"id": "llama3:8b", "access_grants": public})
    good = preset("mine", meta={"knowledge": [{"id": "kb-mine"}], "filterIds": ["polite"]})
    assert (await validate(client, user, good))[0] == set()
    unreadable = preset("mine", meta={"knowledge": [{"id": "kb-other"}],
                                      "filterIds": ["off"]})
    assert (await validate(client, user, unreadable))[0] == {("meta.knowledge", "There"),
                                                             ("meta.filterIds", "There")}
    assert ("base_model_id", "A") in (await validate(client, user, preset(
        "mine", base_model_id=None)))[0]


async def test_validate_finds_a_cycle_through_presets(client, folks):
    admin, *_ = folks
    await create(client, admin, "a")
    await create(client, admin, "b", base_model_id="a")
    loop, _ = await validate(client, admin, preset("a", base_model_id="b"), update="true")
    assert loop == {("base_model_id", "The")}
    fine, _ = await validate(client, admin, preset("a", base_model_id="llama3:8b"),
                             update="true")
    assert fine == set()
    missing, _ = await validate(client, admin, preset("zzz"), update="true")
    assert missing == {("id", "No")}


async def test_validate_refuses_what_is_not_a_definition(client, folks):
    admin, *_ = folks
    for body in ([1, 2], "text", None):
        answer = await client.post("/api/models/validate", headers=admin, json=body)
        assert answer.status_code == 422, body
    garbled = await client.post("/api/models/validate", content=b"{nope",
                                headers=admin | {"Content-Type": "application/json"})
    assert garbled.status_code == 422
    assert (await client.post("/api/models/validate", json={})).status_code == 401


async def test_nul_characters_in_queries_and_ids_are_4xx(client, folks):
    admin, *_ = folks
    for path in ("/api/models/search?q=a%00b", "/api/models/search?tag=%00",
                 "/api/v1/models/list?query=%00", "/api/v1/models/list?tag=%00",
                 "/api/models/a%00b", "/api/v1/models/model?id=a%00b",
                 "/api/v1/models/model/history?id=a%00b"):
        answer = await client.get(path, headers=admin)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text)
