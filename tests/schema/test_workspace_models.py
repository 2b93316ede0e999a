"""Workspace models over GraphQL: the `models` connection (pages, words, tags, base model,
owner, grants, knowledge) at a constant number of statements per page, and the model
mutations (create, update with versions, duplicate, toggle, delete, import, validate)."""

from tests.schema.conftest import error_codes
from tests.schema.test_chat_statements import recorded
from tests.support.ai import *  # noqa: F403

PAGE = """query Page($first: Int, $after: String, $query: String, $tag: String) {
  models(first: $first, after: $after, query: $query, tag: $tag) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name preset description tags baseModel { id kind } owner { name }
            grants { principalType principalId permission } knowledge { id name } } } }"""
CREATE = """mutation Create($input: CreateModelInput!) {
  createModel(input: $input) { model { id name baseModelId versionId writeAccess params
                                       tags owner { name } grants { principalId } } } }"""
UPDATE = """mutation Update($input: UpdateModelInput!) {
  updateModel(input: $input) { model { id name versionId } } }"""
IMPORT = """mutation Import($input: ImportModelsInput!) {
  importModels(input: $input) { models { id } } }"""
VALIDATE = """mutation Validate($input: ValidateModelInput!) {
  validateModel(input: $input) { valid problems { field message } } }"""
EVERYONE = [{"principalType": "USER", "principalId": "*"}]


def preset(model_id: str, **extra) -> dict:
    return {"id": model_id, "name": model_id.title(), "baseModelId": "llama3:8b",
            "params": {"system": "Be kind."}, "meta": {"description": f"about {model_id}",
                                                       "tags": [{"name": "Team"}]}} | extra


async def create(graphql, token, model_id: str, **extra) -> dict:
    data = await graphql.ok(CREATE, {"input": preset(model_id, **extra)}, token=token)
    return data["createModel"]["model"]


async def test_a_page_of_models_with_base_owner_grants_and_knowledge(graphql):
    admin = await graphql.admin()
    made = await create(graphql, admin, "helper", grants=EVERYONE, meta={
        "description": "Writes haiku", "tags": [{"name": "Poetry"}],
        "knowledge": [{"id": "kb1", "name": "Poems"}]})
    assert made["versionId"] and made["writeAccess"] is True and made["tags"] == ["Poetry"]
    assert made["owner"] == {"name": "Ada Admin"} and made["grants"] == [{"principalId": "*"}]
    page = (await graphql.ok(PAGE, {"first": 2}, token=admin))["models"]
    assert page["totalCount"] == 6 and page["pageInfo"]["hasNextPage"] is True
    rest = (await graphql.ok(PAGE, {"after": page["pageInfo"]["endCursor"]},
                             token=admin))["models"]
    assert len(rest["nodes"]) == 4 and rest["pageInfo"]["hasNextPage"] is False
    found = (await graphql.ok(PAGE, {"query": "haiku"}, token=admin))["models"]
    assert found["totalCount"] == 1
    helper = found["nodes"][0]
    assert helper["id"] == "helper" and helper["preset"] is True
    assert helper["baseModel"] == {"id": "llama3:8b", "kind": "OLLAMA"}
    assert helper["owner"] == {"name": "Ada Admin"}
    assert helper["grants"] == [{"principalType": "USER", "principalId": "*",
                                 "permission": "READ"}]
    assert helper["knowledge"] == [{"id": "kb1", "name": "Poems"}]
    assert helper["description"] == "Writes haiku" and helper["tags"] == ["Poetry"]
    tagged = (await graphql.ok(PAGE, {"tag": "poetry"}, token=admin))["models"]
    assert [n["id"] for n in tagged["nodes"]] == ["helper"]
    llama = (await graphql.ok(PAGE, {"query": "llama3"}, token=admin))["models"]["nodes"]
    assert llama[0]["owner"] is None and llama[0]["baseModel"] is None
    bad = await graphql(PAGE, {"first": -1}, token=admin)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    foreign = await graphql(PAGE, {"after": "bm90LWEtY3Vyc29y"}, token=admin)
    assert error_codes(foreign) == ["BAD_USER_INPUT"]


async def statements_for_page(app, graphql, token, count: int) -> list[str]:
    with recorded(app) as statements:
        data = await graphql.ok(PAGE, {"first": 100, "query": "bulk"}, token=token)
    nodes = data["models"]["nodes"]
    assert len(nodes) == count
    assert all(n["owner"] == {"name": "Ada Admin"} and len(n["grants"]) == 1 for n in nodes)
    return statements


async def test_statements_do_not_grow_with_the_page(app, graphql):
    admin = await graphql.admin()

    async def add(start: int, count: int) -> None:
        models = [preset(f"bulk-{n:02d}", grants=EVERYONE) for n in range(start, start + count)]
        await graphql.ok(IMPORT, {"input": {"models": models}}, token=admin)

    await add(0, 3)
    few = await statements_for_page(app, graphql, admin, 3)
    await add(3, 37)
    many = await statements_for_page(app, graphql, admin, 40)
    assert len(many) == len(few), many
    assert len(few) <= 6, few


async def test_update_versions_toggle_delete(graphql):
    admin = await graphql.admin()
    first = (await create(graphql, admin, "helper"))["versionId"]
    updated = await graphql.ok(UPDATE, {"input": {"id": "helper", "name": "Two",
                                                  "versionId": first}}, token=admin)
    assert updated["updateModel"]["model"]["versionId"] != first
    stale = await graphql(UPDATE, {"input": {"id": "helper", "name": "Three",
                                             "versionId": first}}, token=admin)
    assert error_codes(stale) == ["CONFLICT"]
    toggled = await graphql.ok('mutation { toggleModel(input: {id: "helper"}) '
                               '{ model { isActive } } }', token=admin)
    assert toggled["toggleModel"]["model"]["isActive"] is False
    deleted = await graphql.ok('mutation { deleteModel(input: {id: "helper"}) { deleted } }',
                               token=admin)
    assert deleted["deleteModel"]["deleted"] is True
    missing = await graphql('mutation { deleteModel(input: {id: "helper"}) { deleted } }',
                            token=admin)
    assert error_codes(missing) == ["NOT_FOUND"]


async def test_users_need_the_permission_and_see_only_what_is_shared(graphql):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    refused = await graphql(CREATE, {"input": preset("mine")}, token=user)
    assert error_codes(refused) == ["FORBIDDEN"]
    await create(graphql, admin, "shared", grants=EVERYONE)
    await create(graphql, admin, "private")
    await graphql.ok('mutation { updateModelAccess(input: {modelId: "llama3:8b", grants: '
                     '[{principalType: USER, principalId: "*"}]}) { modelId } }', token=admin)
    seen = (await graphql.ok(PAGE, {}, token=user))["models"]["nodes"]
    assert sorted(n["id"] for n in seen) == ["llama3:8b", "shared"]
    copied = await graphql('mutation { duplicateModel(input: {id: "shared"}) '
                           '{ model { id } } }', token=user)
    assert error_codes(copied) == ["FORBIDDEN"]
    hidden = await graphql('mutation { duplicateModel(input: {id: "private"}) '
                           '{ model { id } } }', token=user)
    assert error_codes(hidden) == ["FORBIDDEN"]
    changed = await graphql(UPDATE, {"input": {"id": "shared", "name": "x"}}, token=user)
    assert error_codes(changed) == ["FORBIDDEN"]
    imported = await graphql(IMPORT, {"input": {"models": [preset("x")]}}, token=user)
    assert error_codes(imported) == ["FORBIDDEN"]


async def test_duplicate_and_import(graphql):
    admin = await graphql.admin()
    await create(graphql, admin, "helper", grants=EVERYONE)
    copy = await graphql.ok('mutation { duplicateModel(input: {id: "helper", name: "Mine"}) '
                            '{ model { id name baseModelId grants { principalId } '
                            'owner { name } } } }', token=admin)
    assert copy["duplicateModel"]["model"] == {"id": "helper-copy", "name": "Mine",
                                               "baseModelId": "llama3:8b", "grants": [],
                                               "owner": {"name": "Ada Admin"}}
    bad = await graphql(IMPORT, {"input": {"models": [preset("ok"), preset("no good")]}},
                        token=admin)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    page = (await graphql.ok(PAGE, {"query": "ok"}, token=admin))["models"]
    assert page["totalCount"] == 0  # nothing of the refused import was saved


async def test_validate_model_returns_the_same_problems(graphql):
    admin = await graphql.admin()
    await create(graphql, admin, "taken")
    good = await graphql.ok(VALIDATE, {"input": {"definition": {
        "id": "fresh", "name": "Fresh", "base_model_id": "llama3:8b"}}}, token=admin)
    assert good["validateModel"] == {"valid": True, "problems": []}
    bad = await graphql.ok(VALIDATE, {"input": {"definition": {
        "id": "taken", "name": "", "base_model_id": "nope",
        "params": {"temperature": "hot"}, "meta": {"toolIds": ["web"]}}}}, token=admin)
    fields = [p["field"] for p in bad["validateModel"]["problems"]]
    assert bad["validateModel"]["valid"] is False
    assert fields == ["id", "name", "base_model_id", "params.temperature", "meta.toolIds"]
    shapeless = await graphql.ok(VALIDATE, {"input": {"definition": [1]}}, token=admin)
    assert shapeless["validateModel"]["problems"][0]["field"] == "definition"
    assert error_codes(await graphql(VALIDATE, {"input": {"definition": {}}})) == [
        "UNAUTHENTICATED"]
