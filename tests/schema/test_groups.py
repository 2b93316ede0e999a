"""Groups on GraphQL: read-only, for administrators, batched (no query per user or
group). Groups are provisioned over SCIM here, as an identity provider would."""

import pytest
from sqlalchemy import event

from tests.schema.conftest import error_codes

TOKEN = "graphql-scim-token-0123456789"
SCIM = {"Authorization": f"Bearer {TOKEN}"}
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"

USERS_WITH_GROUPS = """
{ users(first: 50, orderBy: {field: EMAIL, direction: ASC}) {
    nodes { email groups { name memberCount
                           members(first: 2) { totalCount nodes { email } } } } } }"""
GROUPS = """
query Groups($after: String, $query: String) {
  groups(first: 2, after: $after, query: $query) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name description createdAt memberCount
            members(first: 10) { totalCount nodes { email } } } } }"""


@pytest.fixture
def env_overrides():
    return {"ENABLE_SCIM": "true", "SCIM_TOKEN": TOKEN}


async def _group(client, name, *user_ids):
    response = await client.post("/scim/v2/Groups", headers=SCIM, json={
        "schemas": [GROUP], "displayName": name,
        "members": [{"value": user_id} for user_id in user_ids]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


class StatementCounter:
    """Counts the SQL statements that read groups or memberships."""

    def __init__(self, app):
        self.engine = app.state.services.engine.sync_engine
        self.count = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        if "group" in statement.lower():
            self.count += 1


async def test_admins_read_groups_and_members(client, graphql):
    admin = await graphql.admin()
    ann = (await graphql.add_user(admin, "ann@example.com", name="Ann"))["user"]["id"]
    ben = (await graphql.add_user(admin, "ben@example.com", name="Ben"))["user"]["id"]
    alpha = await _group(client, "Alpha", ann, ben)
    await _group(client, "Beta", ben)
    await _group(client, "Gamma")
    first = (await graphql.ok(GROUPS, token=admin))["groups"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    alpha_node = first["nodes"][0]
    assert alpha_node["id"] == alpha and alpha_node["name"] == "Alpha"
    assert alpha_node["memberCount"] == 2 and alpha_node["createdAt"]
    assert [n["email"] for n in alpha_node["members"]["nodes"]] == [
        "ann@example.com", "ben@example.com"]
    rest = (await graphql.ok(GROUPS, {"after": first["pageInfo"]["endCursor"]},
                             token=admin))["groups"]
    assert [n["name"] for n in rest["nodes"]] == ["Gamma"]
    searched = (await graphql.ok(GROUPS, {"query": "ET"}, token=admin))["groups"]
    assert [n["name"] for n in searched["nodes"]] == ["Beta"]


async def test_user_groups_are_for_admins_and_oneself(client, graphql):
    admin = await graphql.admin()
    ann = await graphql.add_user(admin, "ann@example.com")
    ben = await graphql.add_user(admin, "ben@example.com")
    await _group(client, "Alpha", ann["user"]["id"])
    own = await graphql.ok('query($id: ID!) { user(id: $id) { groups { name } } }',
                           {"id": ann["user"]["id"]}, token=ann["token"])
    assert own["user"]["groups"] == [{"name": "Alpha"}]
    denied = await graphql("{ groups(first: 5) { totalCount } }", token=ann["token"])
    assert error_codes(denied) == ["FORBIDDEN"]
    other = await graphql('query($id: ID!) { user(id: $id) { email } }',
                          {"id": ann["user"]["id"]}, token=ben["token"])
    assert error_codes(other) == ["FORBIDDEN"]
    anonymous = await graphql("{ groups(first: 5) { totalCount } }")
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    scim_token = await graphql("{ groups(first: 5) { totalCount } }", token=TOKEN)
    assert error_codes(scim_token) == ["UNAUTHENTICATED"]


async def test_groups_of_many_users_cost_the_same_queries_as_of_few(app, client, graphql):
    admin = await graphql.admin()
    ids = [(await graphql.add_user(admin, f"u{i}@example.com", name=f"U{i}"))["user"]["id"]
           for i in range(6)]
    await _group(client, "One", *ids[:2])
    await _group(client, "Two", ids[1])
    with StatementCounter(app) as few:
        small = await graphql.ok(USERS_WITH_GROUPS, token=admin)
    for index, name in enumerate(("Three", "Four", "Five")):
        await _group(client, name, *ids[2 + index:])
    with StatementCounter(app) as many:
        large = await graphql.ok(USERS_WITH_GROUPS, token=admin)
    memberships = sum(len(n["groups"]) for n in large["users"]["nodes"])
    assert memberships > sum(len(n["groups"]) for n in small["users"]["nodes"])
    assert 0 < few.count == many.count <= 4
    u2 = next(n for n in large["users"]["nodes"] if n["email"] == "u2@example.com")
    three = next(g for g in u2["groups"] if g["name"] == "Three")
    assert three["memberCount"] == 4 and three["members"]["totalCount"] == 4
    assert len(three["members"]["nodes"]) == 2
