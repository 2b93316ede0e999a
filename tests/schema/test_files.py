"""Files over GraphQL: upload through the multipart request spec, the connection with
owners (a fixed number of statements), one file, reprocessing, text, deletion, refusals,
and the `fileStatus` subscription over a real WebSocket."""

import asyncio
import json

from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text

from tests.conftest import bearer
from tests.schema.conftest import auth, error_codes
from tests.schema.test_chat_statements import recorded
from tests.schema.test_websocket import TRANSPORT_WS, ws_url
from tests.support.embeddings import *  # noqa: F403 (processing embeds: the scripted server)
from tests.support.files import upload, wait_processed
from tests.support.retrieval import make_knowledge
from tests.support.waiting import eventually

UPLOAD = """
mutation Upload($input: UploadFileInput!) {
  uploadFile(input: $input) { file { id filename size status contentType metadata
                                     owner { email } } }
}"""
FILES = """
query Files($first: Int, $after: String, $search: String) {
  files(first: $first, after: $after, search: $search) {
    totalCount nodes { id filename status owner { email } }
    pageInfo { hasNextPage endCursor }
  }
}"""
FILE = "query($id: ID!) { file(id: $id) { id filename status error text contentHash } }"
PROCESS = "mutation($id: ID!) { processFile(input: {id: $id}) { file { id status } } }"
DELETE = "mutation($id: ID!) { deleteFile(input: {id: $id}) { id } }"
TEXT = ("mutation($id: ID!, $text: String!) { updateFileText(input: {id: $id, text: $text}) "
        "{ file { status text } } }")
STATUS = "subscription($id: ID!) { fileStatus(id: $id) { fileId status error } }"


async def multipart_upload(client, token, name, content, *, process=True, metadata=None,
                           headers=None):
    operations = {"query": UPLOAD, "variables": {"input": {
        "file": None, "process": process, "metadata": metadata}}}
    return await client.post(
        "/graphql", headers=auth(token) if headers is None else headers,
        data={"operations": json.dumps(operations),
              "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, content, "text/plain")})


async def test_upload_list_read_reprocess_delete(client, app, graphql, accounts):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    response = await multipart_upload(client, owner, "../notes.txt", b"graph words",
                                      metadata={"tag": "g"})
    assert response.status_code == 200, response.text
    uploaded = response.json()["data"]["uploadFile"]["file"]
    assert uploaded["filename"] == "notes.txt" and uploaded["size"] == 11
    assert uploaded["status"] == "PENDING" and uploaded["metadata"] == {"tag": "g"}
    assert uploaded["owner"] == {"email": "owner@example.com"}
    done = await wait_processed(client, owner, uploaded["id"])
    assert done["data"]["status"] == "completed"
    one = await graphql.ok(FILE, {"id": uploaded["id"]}, token=owner)
    assert one["file"]["text"] == "graph words" and one["file"]["status"] == "COMPLETED"
    assert one["file"]["contentHash"] == done["hash"]
    again = await graphql.ok(PROCESS, {"id": uploaded["id"]}, token=owner)
    assert again["processFile"]["file"]["status"] == "PENDING"
    assert (await wait_processed(client, owner, uploaded["id"]))["data"]["status"] == \
        "completed"
    changed = await graphql.ok(TEXT, {"id": uploaded["id"], "text": "new words"},
                               token=owner)
    # Re-chunked and re-embedded in the background, as processFile.
    assert changed["updateFileText"]["file"] == {"status": "PENDING", "text": "new words"}
    done = await wait_processed(client, owner, uploaded["id"])
    assert done["data"]["status"] == "completed" and done["data"]["content"] == "new words"
    await graphql.ok(DELETE, {"id": uploaded["id"]}, token=owner)
    gone = await graphql(FILE, {"id": uploaded["id"]}, token=owner)
    assert error_codes(gone) == ["NOT_FOUND"]


async def test_connection_pages_and_statements_do_not_grow(client, app, graphql, accounts):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    for index in range(12):
        await upload(client, owner, f"f{index:02}.txt", b"x", process="false")
    first = await graphql.ok(FILES, {"first": 5}, token=owner)
    assert first["files"]["totalCount"] == 12 and len(first["files"]["nodes"]) == 5
    assert first["files"]["pageInfo"]["hasNextPage"] is True
    rest = await graphql.ok(FILES, {"first": 50, "after": first["files"]["pageInfo"][
        "endCursor"]}, token=owner)
    assert len(rest["files"]["nodes"]) == 7
    found = await graphql.ok(FILES, {"search": "f1"}, token=owner)
    assert sorted(n["filename"] for n in found["files"]["nodes"]) == ["f10.txt", "f11.txt"]
    with recorded(app) as few:
        await graphql.ok(FILES, {"first": 2}, token=owner)
    with recorded(app) as many:
        await graphql.ok(FILES, {"first": 12}, token=owner)
    assert len(few) == len(many)


async def test_refusals(client, app, graphql, accounts):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    stranger = (await accounts.user("stranger@example.com"))["token"]
    mine = await upload(client, owner, "mine.txt", b"x", process="false")
    for document in (FILE, PROCESS, DELETE):
        body = await graphql(document, {"id": mine["id"]}, token=stranger)
        assert error_codes(body) == ["NOT_FOUND"], body
    empty = await multipart_upload(client, owner, "empty.txt", b"")
    assert error_codes(empty.json()) == ["BAD_USER_INPUT"]
    # A multipart body without a header only a script can set could come from any site.
    client.cookies.set("token", owner)
    forged = await multipart_upload(client, None, "forged.txt", b"x", headers={})
    client.cookies.clear()
    assert forged.status_code == 400 and "Preflight" in forged.json()["errors"][0]["message"]
    listing = await client.get("/api/v1/files/", headers=bearer(owner))
    assert listing.json()["total"] == 1


def subscriber(base: str, token: str) -> Client:
    transport = WebsocketsTransport(url=ws_url(base), subprotocols=[TRANSPORT_WS],
                                    init_payload={"Authorization": f"Bearer {token}"})
    return Client(transport=transport)


async def test_file_status_follows_processing_to_the_end(client, app, accounts, live_server):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    stranger = (await accounts.user("stranger@example.com"))["token"]
    body = await upload(client, owner, "late.txt", b"words", process="false")

    async def follow(token: str, into: asyncio.Queue) -> None:
        async with subscriber(live_server, token) as session:
            request = GraphQLRequest(STATUS, variable_values={"id": body["id"]})
            async for result in session.subscribe(request):
                await into.put(result["fileStatus"])
        await into.put(None)

    events: asyncio.Queue = asyncio.Queue()
    following = asyncio.create_task(follow(owner, events))
    # The status now comes first: from then on the subscription is live.
    assert await asyncio.wait_for(events.get(), 10) == {
        "fileId": body["id"], "status": None, "error": None}
    response = await client.post("/graphql", headers=bearer(owner),
                                 json={"query": PROCESS, "variables": {"id": body["id"]}})
    assert response.status_code == 200, response.text
    seen = [await asyncio.wait_for(events.get(), 30) for _ in range(4)]
    assert [s and s["status"] for s in seen] == ["PENDING", "PROCESSING", "COMPLETED", None]
    await following
    try:
        await asyncio.wait_for(follow(stranger, asyncio.Queue()), 10)
    except TransportQueryError as error:
        assert "NOT_FOUND" in str(error) or "No file" in str(error)
    else:
        raise AssertionError("a stranger followed another's file")


async def test_an_upload_naming_a_knowledge_base_joins_it(client, app, accounts):
    """metadata.knowledge_id on GraphQL as on REST: checked before anything is stored,
    the file linked once processed."""
    await accounts.admin()
    owner = await accounts.user("owner@example.com")
    stranger = (await accounts.user("stranger@example.com"))["token"]
    kb = await make_knowledge(app, owner["id"])
    refused = await multipart_upload(client, stranger, "a.txt", b"keel and sail",
                                     metadata={"knowledge_id": kb})
    assert error_codes(refused.json()) == ["NOT_FOUND"]
    assert (await client.get("/api/v1/files/", headers=bearer(stranger))).json()["total"] == 0

    response = await multipart_upload(client, owner["token"], "a.txt", b"keel and sail",
                                      metadata={"knowledge_id": kb})
    file_id = response.json()["data"]["uploadFile"]["file"]["id"]

    async def linked() -> bool:
        async with app.state.services.sessionmaker() as session:
            return (await session.execute(text(
                "SELECT count(*) FROM knowledge_file WHERE knowledge_id = :k "
                "AND file_id = :f"), {"k": kb, "f": file_id})).scalar_one() == 1

    await eventually(linked, 20)
