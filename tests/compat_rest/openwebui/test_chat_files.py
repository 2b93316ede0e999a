"""A chat or message that names a file (or knowledge base) its writer may not read is
refused as if the file did not exist, on Open WebUI's chat routes and over GraphQL, and
nothing of it is kept; one's own files, and files already in a chat, are fine; on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.schema.conftest import GraphQLClient
from tests.support.files import upload

ADD = """mutation($input: AddMessageInput!) { addMessage(input: $input) {
  __typename ... on MessagePayload { chatMessage { id files { id } fileItems } } } }"""


@pytest.fixture
async def people(accounts):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    stranger = (await accounts.user("stranger@example.com"))["token"]
    return owner, stranger


async def a_file(client, token: str) -> str:
    return (await upload(client, token, "notes.txt", b"private notes", process="false"))["id"]


def chat_with(*files: dict) -> dict:
    return {"chat": {"title": "Files", "history": {"currentId": "u1", "messages": {"u1": {
        "id": "u1", "parentId": None, "childrenIds": [], "role": "user", "content": "see",
        "files": list(files)}}}}}


async def test_creating_a_chat_naming_anothers_file_is_refused(client, people):
    owner, stranger = people
    file_id = await a_file(client, owner)
    for item in ({"type": "file", "id": file_id}, {"file": {"id": file_id}},
                 {"type": "file", "id": "no-such-file"},
                 {"type": "collection", "id": "no-such-knowledge"}):
        made = await client.post("/api/v1/chats/new", headers=bearer(stranger),
                                 json=chat_with(item))
        assert made.status_code == 404, made.text
        assert "may see" in made.json()["detail"]
    assert (await client.get("/api/v1/chats/", headers=bearer(stranger))).json() == []
    images = {"type": "image", "url": "data:image/png;base64,QUJD"}
    mine = await client.post("/api/v1/chats/new", headers=bearer(owner),
                             json=chat_with({"type": "file", "id": file_id}, images))
    assert mine.status_code == 200, mine.text


async def test_updates_and_messages_check_only_what_they_newly_name(client, people):
    owner, stranger = people
    theirs = await a_file(client, owner)
    mine = await a_file(client, stranger)
    made = await client.post("/api/v1/chats/new", headers=bearer(stranger),
                             json=chat_with({"type": "file", "id": mine}))
    chat_id = made.json()["id"]
    body = chat_with({"type": "file", "id": mine}, {"type": "file", "id": theirs})
    refused = await client.post(f"/api/v1/chats/{chat_id}", headers=bearer(stranger),
                                json=body)
    assert refused.status_code == 404, refused.text
    refused = await client.post(f"/api/v1/chats/{chat_id}", headers=bearer(stranger),
                                json={"chat": {"files": [{"type": "file", "id": theirs}]}})
    assert refused.status_code == 404, refused.text
    kept = (await client.get(f"/api/v1/chats/{chat_id}", headers=bearer(stranger))).json()
    assert kept["chat"]["history"]["messages"]["u1"]["files"] == [{"type": "file", "id": mine}]
    assert "files" not in kept["chat"]

    # A file deleted after it was attached does not make the chat unwritable.
    gone = await client.delete(f"/api/v1/files/{mine}", headers=bearer(stranger))
    assert gone.status_code == 200, gone.text
    renamed = await client.post(f"/api/v1/chats/{chat_id}", headers=bearer(stranger),
                                json={"chat": {"title": "Renamed", **chat_with(
                                    {"type": "file", "id": mine})["chat"]}})
    assert renamed.status_code == 200, renamed.text

    added = await client.post(f"/api/chats/{chat_id}/messages", headers=bearer(stranger),
                              json={"content": "and this", "files": [
                                  {"type": "file", "id": theirs}]})
    assert added.status_code == 404, added.text
    listed = await client.get(f"/api/chats/{chat_id}/messages", headers=bearer(stranger))
    assert [m["content"] for m in listed.json()["items"]] == ["see"]


async def test_graphql_add_message_with_files(client, people):
    owner, stranger = people
    graphql = GraphQLClient(client)
    theirs = await a_file(client, owner)
    made = await client.post("/api/v1/chats/new", headers=bearer(stranger),
                             json={"chat": {"title": "Files"}})
    chat_id = made.json()["id"]
    body = await graphql(ADD, {"input": {"chatId": chat_id, "content": "see",
                                         "files": [{"id": theirs}]}}, token=stranger)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = await a_file(client, stranger)
    data = await graphql.ok(ADD, {"input": {"chatId": chat_id, "content": "see",
                                            "files": [{"id": mine}]}}, token=stranger)
    message = data["addMessage"]["chatMessage"]
    assert message["files"] == [{"id": mine}]
    assert message["fileItems"] == [{"type": "file", "id": mine}]
