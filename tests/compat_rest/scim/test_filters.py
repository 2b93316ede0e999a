"""Filters: the whole RFC 7644 grammar, compiled to SQL on both databases, with names in
any letter case and strings compared as the schema says; anything unsupported is 400
invalidFilter, never the whole list. Also paging, sorting and search."""

import pytest

from tests.compat_rest.scim.conftest import ENTERPRISE, GROUP, SEARCH, USER, scim_error

EVERYONE = ["Carol", "admin@example.com", "alice", "bob", "dave@corp.example", "émile"]


@pytest.fixture
async def people(scim, accounts):
    """Six accounts: one signed up on REST, five provisioned with varied attributes."""
    await accounts.admin()
    alice = await scim.create_user(
        "alice", externalId="EXT-A", title="Engineer",
        name={"givenName": "Alice", "familyName": "Archer"},
        emails=[{"value": "alice@corp.example", "type": "work", "primary": True},
                {"value": "alice@home.example", "type": "home"}],
        phoneNumbers=[{"value": "+1-555-0100", "type": "mobile"}],
        **{"schemas": [USER, ENTERPRISE], ENTERPRISE: {"department": "R&D"}})
    bob = await scim.create_user("bob", "bob@corp.example", externalId="ext-b",
                                 title="Engineering Manager", nickName="Bobby", active=False)
    carol = await scim.create_user("Carol", displayName="Carol C", locale="fr-FR",
                                   emails=[{"value": "carol@home.example", "type": "home"}])
    dave = await scim.create_user("dave@corp.example", title="Intern")
    emile = await scim.create_user("émile", "emile@corp.example", displayName="ÉMILE Zola")
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "emile": emile}


async def test_every_comparison_operator(scim, people):
    f = scim.filter
    assert await f('userName eq "ALICE"') == ["alice"]
    assert await f('externalId eq "ext-a"') == []  # externalId is case-exact
    assert await f('externalId eq "EXT-A"') == ["alice"]
    assert await f('title ne "engineer"') == [n for n in EVERYONE if n != "alice"]
    assert await f('emails co "@CORP"') == ["alice", "bob", "dave@corp.example", "émile"]
    assert await f('userName sw "a"') == ["admin@example.com", "alice"]
    assert await f('emails.value ew "@home.example"') == ["Carol", "alice"]
    assert await f("title pr") == ["alice", "bob", "dave@corp.example"]
    assert await f("nickName pr") == ["bob"]
    assert await f('userName gt "c"') == ["Carol", "dave@corp.example", "émile"]
    assert await f('userName ge "carol"') == ["Carol", "dave@corp.example", "émile"]
    assert await f('userName lt "b"') == ["admin@example.com", "alice"]
    assert await f('userName le "bob"') == ["admin@example.com", "alice", "bob"]
    assert await f('meta.created gt "2000-01-01T00:00:00Z"') == EVERYONE
    assert await f('meta.lastModified lt "2000-01-01T00:00:00Z"') == []
    assert await f('meta.resourceType eq "User"') == EVERYONE
    assert await f("active eq false") == ["bob"]
    assert await f("active eq true") == [n for n in EVERYONE if n != "bob"]
    assert await f('displayName sw "émile"') == ["émile"]  # Unicode case folding
    assert await f('id eq "' + people["carol"]["id"] + '"') == ["Carol"]
    assert await f("title eq null") == ["Carol", "admin@example.com", "émile"]


async def test_logic_precedence_names_and_value_paths(scim, people):
    f = scim.filter
    assert await f('title pr and not (active eq false)') == ["alice", "dave@corp.example"]
    assert await f('userName eq "alice" or userName eq "bob" and title co "manager"') == [
        "alice", "bob"]
    assert await f('(userName eq "alice" or userName eq "bob") and title co "manager"') == [
        "bob"]
    assert await f('not (emails co "corp") and not (userName sw "admin")') == ["Carol"]
    assert await f('USERNAME Eq "bob" OR NickName PR') == ["bob"]
    assert await f('emails[type eq "work" and value co "alice"]') == ["alice"]
    assert await f('emails[type eq "home"]') == ["Carol", "alice"]
    assert await f('emails[TYPE eq "WORK" and primary eq true]') == [
        n for n in EVERYONE if n != "Carol"]  # accounts SCIM never wrote have one work e-mail
    assert await f('phoneNumbers[type eq "mobile"]') == ["alice"]
    assert await f('name.givenName eq "alice" and NAME.familyName sw "arch"') == ["alice"]
    assert await f("name pr") == ["alice"]  # a complex attribute: any part of it
    assert await f("not (name pr) and title pr") == ["bob", "dave@corp.example"]
    assert await f(f'{ENTERPRISE}:department eq "r&d"') == ["alice"]
    assert await f('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "carol"') == [
        "Carol"]
    group = await scim.create_group("Platform", people["bob"]["id"], people["emile"]["id"])
    assert await f('groups[display eq "platform"]') == ["bob", "émile"]
    assert await f(f'groups.value eq "{group["id"]}" and active eq true') == ["émile"]
    assert await f('not (groups pr)') == ["Carol", "admin@example.com", "alice",
                                           "dave@corp.example"]


UNSUPPORTED = [
    'userName eq', 'userName xx "a"', 'foo eq "x"', 'active gt true', 'userName eq alice',
    '(userName eq "a"', 'userName eq "a")', 'emails[type eq "work"', 'name eq "x"',
    'meta.created gt "yesterday"', 'password eq "x"', 'meta.version eq "x"',
    'emails[type eq "work"].value eq "x"', 'userName eq "a" and', 'not userName eq "a"',
    'groups[value eq "x" and members[value eq "y"]]', "active eq 1", "title co 5",
    "(" * 11 + 'userName eq "a"' + ")" * 11,
    " or ".join(f'userName eq "u{i}"' for i in range(51)), 'userName eq "' + "x" * 5000 + '"',
]


async def test_unsupported_filters_are_400_never_the_whole_list(scim, accounts):
    await accounts.admin()
    for text in UNSUPPORTED:
        response = await scim.call("GET", "/Users", params={"filter": text}, status=400)
        scim_error(response, 400, "invalidFilter")


async def test_paging_sorting_and_counts(scim, people):
    page = await scim.get("/Users", sortBy="userName", startIndex=2, count=2)
    assert page["totalResults"] == 6 and page["startIndex"] == 2
    assert page["itemsPerPage"] == 2
    assert [r["userName"] for r in page["Resources"]] == ["alice", "bob"]
    counted = await scim.get("/Users", count=0, filter="title pr")
    assert counted["totalResults"] == 3 and counted["Resources"] == []
    negative = await scim.get("/Users", count=-5, startIndex=-3)
    assert negative["Resources"] == [] and negative["startIndex"] == 1
    down = await scim.get("/Users", sortBy="userName", sortOrder="DESCENDING")
    assert [r["userName"] for r in down["Resources"]] == list(reversed(
        sorted(EVERYONE, key=str.lower)))
    titled = await scim.get("/Users", sortBy="title")  # unassigned values sort last
    assert [r.get("title") for r in titled["Resources"]][:3] == [
        "Engineer", "Engineering Manager", "Intern"]
    titled_down = await scim.get("/Users", sortBy="title", sortOrder="descending")
    assert [r.get("title") for r in titled_down["Resources"]][3:] == [
        "Intern", "Engineering Manager", "Engineer"]
    by_email = await scim.get("/Users", sortBy="emails.value", attributes="userName")
    assert [r["userName"] for r in by_email["Resources"]][:2] == ["admin@example.com", "alice"]
    by_date = await scim.get("/Users", sortBy="meta.created", sortOrder="descending")
    assert len(by_date["Resources"]) == 6
    for params in ({"sortBy": "nothing"}, {"sortBy": "phoneNumbers"},
                   {"sortOrder": "sideways"}, {"count": "many"}, {"startIndex": "first"}):
        scim_error(await scim.call("GET", "/Users", params=params, status=400), 400,
                   "invalidValue")


async def test_a_huge_count_is_clamped_to_the_advertised_maximum(scim, accounts):
    await accounts.admin()
    for i in range(201):
        await scim.create_group(f"group {i:03}")
    page = await scim.get("/Groups", count=10**9, sortBy="displayName")
    assert page["totalResults"] == 201 and page["itemsPerPage"] == 200
    assert page["Resources"][-1]["displayName"] == "group 199"
    rest = await scim.get("/Groups", startIndex=201, count=10**9, sortBy="displayName")
    assert [g["displayName"] for g in rest["Resources"]] == ["group 200"]


async def test_search_by_post_on_a_type_and_across_types(scim, people):
    found = await scim.call("POST", "/Users/.search", {
        "schemas": [SEARCH], "filter": 'title co "engineer"', "sortBy": "userName",
        "attributes": ["userName"], "count": 1})
    body = found.json()
    assert body["totalResults"] == 2 and body["Resources"][0]["userName"] == "alice"
    assert set(body["Resources"][0]) == {"schemas", "id", "userName"}
    await scim.create_group("Carol's group", people["carol"]["id"])
    both = (await scim.call("POST", "/.search", {
        "schemas": [SEARCH], "filter": 'displayName co "carol"'})).json()
    assert both["totalResults"] == 2
    assert [r["schemas"][0] for r in both["Resources"]] == [USER, GROUP]
    only_groups = (await scim.call("POST", "/.search", {
        "schemas": [SEARCH], "filter": 'members pr', "startIndex": 1, "count": 5})).json()
    assert [r["displayName"] for r in only_groups["Resources"]] == ["Carol's group"]
    window = (await scim.call("POST", "/.search", {"schemas": [SEARCH], "startIndex": 6,
                                                   "count": 2})).json()
    assert window["totalResults"] == 7
    assert [r["schemas"][0] for r in window["Resources"]] == [USER, GROUP]
    bad = await scim.call("POST", "/.search", {"schemas": [SEARCH], "filter": 'nope eq "x"'},
                          status=400)
    scim_error(bad, 400, "invalidFilter")
