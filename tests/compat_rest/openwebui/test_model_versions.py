"""Open WebUI's model versions: a `model_history` snapshot on create and update, version
conflicts, listing, reading, deleting and restoring versions, and who may."""

import asyncio

import pytest

from tests.compat_rest.openwebui.model_helpers import V1, create, people, preset
from tests.support.ai import *  # noqa: F403

HISTORY = f"{V1}/model/history"


@pytest.fixture
async def folks(accounts):
    return await people(accounts)


async def test_create_and_update_write_linked_versions(client, folks):
    admin, *_ = folks
    created = await create(client, admin, "helper", commit_message="first")
    first = created["version_id"]
    assert first
    updated = await client.post(f"{V1}/model/update", headers=admin, json=preset(
        "helper", name="Helper 2", version_id=first, commit_message="renamed",
        meta={"description": "x", "hidden": True}))
    assert updated.status_code == 200, updated.text
    second = updated.json()["version_id"]
    assert second and second != first
    # Newest first by the second; within one second Open WebUI's order is by id.
    listed = {e["id"]: e for e in (await client.get(HISTORY, params={"id": "helper"},
                                                     headers=admin)).json()}
    assert set(listed) == {first, second}
    assert listed[second]["parent_id"] == first and listed[first]["parent_id"] is None
    assert listed[second]["commit_message"] == "renamed"
    assert listed[first]["commit_message"] == "first"
    assert listed[first]["user"] == {"name": "Ada Admin"} and "snapshot" not in listed[first]
    entry = await client.get(f"{HISTORY}/{first}", params={"id": "helper"}, headers=admin)
    assert entry.status_code == 200
    assert entry.json()["snapshot"] == {"name": "Helper", "base_model_id": "llama3:8b",
                                        "params": {"system": "Be kind."},
                                        "meta": {"description": "about helper"}}
    newer = await client.get(f"{HISTORY}/{second}", params={"id": "helper"}, headers=admin)
    assert newer.json()["snapshot"]["meta"] == {"description": "x"}  # `hidden` is UI-only


async def test_an_update_based_on_an_old_version_is_a_conflict(client, folks):
    admin, *_ = folks
    first = (await create(client, admin, "helper"))["version_id"]
    await client.post(f"{V1}/model/update", headers=admin,
                      json=preset("helper", name="B", version_id=first))
    stale = await client.post(f"{V1}/model/update", headers=admin,
                              json=preset("helper", name="C", version_id=first))
    assert stale.status_code == 409
    assert stale.json() == {"detail": {"code": "version_conflict"}}
    now = await client.get(f"{V1}/model", params={"id": "helper"}, headers=admin)
    assert now.json()["name"] == "B"
    assert len((await client.get(HISTORY, params={"id": "helper"}, headers=admin)).json()) == 2


async def test_restoring_and_deleting_versions(client, folks):
    admin, *_ = folks
    first = (await create(client, admin, "helper"))["version_id"]
    second = (await client.post(f"{V1}/model/update", headers=admin,
                                json=preset("helper", name="Later"))).json()["version_id"]
    stale = await client.post(f"{V1}/model/update/version", params={"id": "helper"},
                              headers=admin, json={"version_id": first,
                                                   "expected_version_id": first})
    assert stale.status_code == 409
    restored = await client.post(f"{V1}/model/update/version", params={"id": "helper"},
                                 headers=admin, json={"version_id": first,
                                                      "expected_version_id": second})
    assert restored.status_code == 200, restored.text
    assert restored.json()["name"] == "Helper" and restored.json()["version_id"] == first
    current = await client.delete(f"{HISTORY}/{first}", params={"id": "helper"}, headers=admin)
    assert current.status_code == 400 and "current version" in current.json()["detail"]
    gone = await client.delete(f"{HISTORY}/{second}", params={"id": "helper"}, headers=admin)
    assert gone.status_code == 200 and gone.json() is True
    missing = await client.get(f"{HISTORY}/{second}", params={"id": "helper"}, headers=admin)
    assert missing.status_code == 404
    unknown = await client.post(f"{V1}/model/update/version", params={"id": "helper"},
                                headers=admin, json={"version_id": "nope"})
    assert unknown.status_code == 404


async def test_only_writers_see_versions_and_deleting_a_model_drops_them(client, folks):
    admin, user, una, *_ = folks
    read = [{"principal_type": "user", "principal_id": una["id"], "permission": "read"}]
    await create(client, admin, "helper", access_grants=read)
    refused = await client.get(HISTORY, params={"id": "helper"}, headers=user)
    assert refused.status_code == 401
    assert (await client.get(HISTORY, params={"id": "nope"}, headers=admin)).status_code == 404
    await client.post(f"{V1}/model/delete", headers=admin, json={"id": "helper"})
    again = await create(client, admin, "helper")
    listed = (await client.get(HISTORY, params={"id": "helper"}, headers=admin)).json()
    assert [e["id"] for e in listed] == [again["version_id"]]


async def test_bad_version_requests_are_4xx(client, folks):
    admin, *_ = folks
    await create(client, admin, "helper")
    assert (await client.get(HISTORY, headers=admin)).status_code == 422  # no id
    assert (await client.get(HISTORY, params={"id": "helper", "page": "0"},
                             headers=admin)).status_code == 422
    assert (await client.post(f"{V1}/model/update/version", params={"id": "helper"},
                              headers=admin | {"Content-Type": "application/json"},
                              content=b"{")).status_code == 422
    assert (await client.post(f"{V1}/model/update/version", params={"id": "helper"},
                              headers=admin, json={"version_id": 3})).status_code == 422


async def test_two_edits_of_one_version_race_and_one_is_a_conflict(client, folks):
    """The row is locked while its version is checked, so of two edits based on the same
    version exactly one is saved, on SQLite (one writer) and PostgreSQL (row lock)."""
    admin, *_ = folks
    first = (await create(client, admin, "helper"))["version_id"]
    answers = await asyncio.gather(*(client.post(
        f"{V1}/model/update", headers=admin,
        json=preset("helper", name=name, version_id=first)) for name in ("A", "B")))
    assert sorted(a.status_code for a in answers) == [200, 409]
    listed = (await client.get(HISTORY, params={"id": "helper"}, headers=admin)).json()
    assert len(listed) == 2


async def test_an_update_keeps_the_pictures_its_form_leaves_out(client, folks):
    """Open WebUI's update keeps the stored profile image (the list strips it, so a client
    editing from the list never sends it back)."""
    admin, *_ = folks
    await create(client, admin, "helper", meta={"profile_image_url": "data:image/png;base64,AA",
                                                "description": "old"})
    updated = await client.post(f"{V1}/model/update", headers=admin,
                                json=preset("helper", meta={"description": "new"}))
    assert updated.json()["meta"] == {"profile_image_url": "data:image/png;base64,AA",
                                      "description": "new"}
    documented = await client.post("/api/models/helper", headers=admin,
                                   json={"meta": {"description": "newer"}})
    assert documented.json()["meta"] == {"description": "newer"}  # the meta as sent
