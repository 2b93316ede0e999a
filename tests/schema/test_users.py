"""Accounts over GraphQL: the users connection, permissions, and admin changes."""

import pytest

from tests.schema.conftest import error_codes

USERS = """
query Users($first: Int, $after: String, $query: String, $orderBy: UserOrder) {
  users(first: $first, after: $after, query: $query, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id email } }
    nodes { email }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
BY_EMAIL = {"field": "EMAIL", "direction": "ASC"}


@pytest.fixture
async def people(graphql):
    """An admin and four users (u0..u3@example.com); returns (admin token, users)."""
    admin = await graphql.admin()
    added = [await graphql.add_user(admin, f"u{i}@example.com") for i in range(4)]
    return admin, added


async def test_pages_through_every_user_with_cursors(graphql, people):
    admin, _ = people
    seen, after, pages = [], None, 0
    while True:
        page = (await graphql.ok(USERS, {"first": 2, "after": after, "orderBy": BY_EMAIL},
                                 token=admin))["users"]
        assert page["totalCount"] == 5
        assert [e["node"]["email"] for e in page["edges"]] == \
            [n["email"] for n in page["nodes"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        seen += [e["node"]["email"] for e in page["edges"]]
        after, pages = page["pageInfo"]["endCursor"], pages + 1
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert pages == 3
    assert seen == sorted(seen) and len(set(seen)) == 5 and "admin@example.com" in seen


async def test_search_and_descending_order(graphql, people):
    admin, _ = people
    page = (await graphql.ok(USERS, {"query": "U2@", "orderBy": BY_EMAIL},
                             token=admin))["users"]
    assert page["totalCount"] == 1 and page["nodes"] == [{"email": "u2@example.com"}]
    desc = (await graphql.ok(USERS, {"orderBy": {"field": "EMAIL", "direction": "DESC"}},
                             token=admin))["users"]["nodes"]
    assert [n["email"] for n in desc] == sorted((n["email"] for n in desc), reverse=True)


async def test_empty_page_past_the_end(graphql, people):
    admin, _ = people
    last = (await graphql.ok(USERS, {"first": 5}, token=admin))["users"]
    after = (await graphql.ok(USERS, {"after": last["pageInfo"]["endCursor"]},
                              token=admin))["users"]
    assert after["edges"] == [] and after["pageInfo"]["endCursor"] is None
    assert after["pageInfo"]["hasNextPage"] is False and after["totalCount"] == 5


@pytest.mark.parametrize("variables", [{"after": "bm9wZQ=="}, {"after": "%%%"},
                                       {"first": 0}, {"first": 101}])
async def test_bad_paging_arguments_are_bad_user_input(graphql, people, variables):
    admin, _ = people
    body = await graphql(USERS, variables, token=admin)
    assert body["data"] is None and error_codes(body) == ["BAD_USER_INPUT"]


async def test_users_is_for_admins_only(graphql, people):
    _, added = people
    body = await graphql(USERS, token=added[0]["token"])
    assert body["data"] is None and error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["reason"] == "not_admin"
    assert error_codes(await graphql(USERS)) == ["UNAUTHENTICATED"]


async def test_user_by_id_self_other_and_missing(graphql, people):
    admin, added = people
    one, two = added[0], added[1]
    query = "query U($id: ID!) { user(id: $id) { id email role createdAt } }"
    me = await graphql.ok(query, {"id": one["user"]["id"]}, token=one["token"])
    assert me["user"]["email"] == "u0@example.com" and me["user"]["role"] == "USER"
    other = await graphql(query, {"id": two["user"]["id"]}, token=one["token"])
    assert other["data"] == {"user": None} and error_codes(other) == ["FORBIDDEN"]
    assert (await graphql.ok(query, {"id": two["user"]["id"]}, token=admin))["user"]
    missing = await graphql(query, {"id": "no-such-id"}, token=admin)
    assert missing["data"] == {"user": None} and error_codes(missing) == ["NOT_FOUND"]


UPDATE_USER = """
mutation Update($input: UpdateUserInput!) {
  updateUser(input: $input) {
    __typename
    ... on UserPayload { user { id name email role } }
    ... on MutationError { message code }
  }
}"""


async def test_admin_updates_a_user_and_email_conflicts(graphql, people):
    admin, added = people
    target = added[0]["user"]["id"]
    # (Not promoted to ADMIN: created in the admin's second, it could become the
    # "primary" admin by the tie-break, which only it may then change.)
    updated = await graphql.ok(UPDATE_USER, {"input": {"userId": target, "name": "Renamed",
                                                       "role": "PENDING"}}, token=admin)
    assert updated["updateUser"]["user"] == {"id": target, "name": "Renamed",
                                             "email": "u0@example.com", "role": "PENDING"}
    taken = await graphql.ok(UPDATE_USER, {"input": {"userId": target,
                                                     "email": "u1@example.com"}}, token=admin)
    assert taken["updateUser"]["__typename"] == "EmailTaken"
    again = await graphql.ok(ADD_USER_AGAIN, token=admin)
    assert again["addUser"]["__typename"] == "EmailTaken"


ADD_USER_AGAIN = """mutation { addUser(input: {name: "X", email: "u1@example.com",
  password: "x-pass-1"}) { __typename ... on MutationError { code } } }"""


async def test_non_admins_cannot_change_others(graphql, people):
    _, added = people
    body = await graphql(UPDATE_USER, {"input": {"userId": added[1]["user"]["id"],
                                                 "name": "Nope"}}, token=added[0]["token"])
    assert body["data"] is None and error_codes(body) == ["FORBIDDEN"]


async def test_revoke_sessions_then_delete(graphql, people):
    admin, added = people
    victim = added[2]
    revoke = "mutation R($id: ID!) { revokeUserSessions(input: {userId: $id}) { userId } }"
    await graphql.ok(revoke, {"id": victim["user"]["id"]}, token=admin)
    assert error_codes(await graphql("{ viewer { id } }", token=victim["token"])) == \
        ["UNAUTHENTICATED"]
    delete = "mutation D($id: ID!) { deleteUser(input: {userId: $id}) { deletedUserId } }"
    done = await graphql.ok(delete, {"id": victim["user"]["id"]}, token=admin)
    assert done == {"deleteUser": {"deletedUserId": victim["user"]["id"]}}
    again = await graphql(delete, {"id": victim["user"]["id"]}, token=admin)
    assert error_codes(again) == ["NOT_FOUND"]
    admin_id = (await graphql.ok("{ viewer { id } }", token=admin))["viewer"]["id"]
    own = await graphql(delete, {"id": admin_id}, token=admin)
    assert error_codes(own) == ["FORBIDDEN"]


async def test_update_profile(graphql, people):
    _, added = people
    profile = """mutation P($input: UpdateProfileInput!) {
      updateProfile(input: $input) { user { name bio profileImageUrl } } }"""
    result = await graphql.ok(profile, {"input": {
        "name": "Una", "profileImageUrl": "/user.png", "bio": "Hello",
        "dateOfBirth": "1990-04-01"}}, token=added[0]["token"])
    assert result["updateProfile"]["user"] == {"name": "Una", "bio": "Hello",
                                               "profileImageUrl": "/user.png"}
    bad = await graphql(profile, {"input": {"name": "", "profileImageUrl": "/user.png"}},
                        token=added[0]["token"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["field"] == "name"


async def test_pending_accounts_cannot_edit_their_profile(graphql, people):
    admin, _ = people
    pending = await graphql.add_user(admin, "p@example.com", role="PENDING")
    body = await graphql("""mutation { updateProfile(input: {name: "P",
        profileImageUrl: "/user.png"}) { user { id } } }""", token=pending["token"])
    assert error_codes(body) == ["FORBIDDEN"]
