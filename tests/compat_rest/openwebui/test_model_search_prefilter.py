"""Model search's text prefilter (data/repos/model_search.py) changes no answer, on SQLite
and PostgreSQL: a row is parsed only when its meta text holds the term's caseless run or
any JSON escape, so a tag in another case, a tag written with escapes, and a decoy holding
the run elsewhere are all answered as the full JSON check answers them."""

import json

import pytest
from sqlalchemy import text

from data.repos.model_search import caseless_run
from tests.compat_rest.openwebui.model_helpers import create, people
from tests.support.ai import *  # noqa: F403


@pytest.fixture
async def folks(accounts):
    return await people(accounts)


async def _raw(app, model_id: str, owner: str, meta_text: str) -> None:
    """A row written as another JSON writer might have written it."""
    async with app.state.services.write_sessionmaker() as session:
        await session.execute(text(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, "
            "updated_at, created_at) VALUES (:id, :u, 'llama3:8b', :id, '{}', :meta, true, "
            "0, 0)"), {"id": model_id, "u": owner, "meta": meta_text})
        await session.commit()


def test_the_caseless_run_of_a_term():
    assert caseless_run("Tag-3") == "-3"
    assert caseless_run("about model 42") == " 42"
    assert caseless_run("poetry") == "" and caseless_run("a-b") == ""  # too short to help
    assert caseless_run('x"1/2"') == ""  # quotes and slashes may be escaped by writers


async def test_the_prefilter_answers_as_the_json_check_does(app, client, folks):
    admin = folks[0]
    owner = (await client.get("/api/v1/auths/", headers=admin)).json()["id"]
    image = "data:image/png;base64," + "A" * 20_000
    await create(client, admin, "upper", meta={"tags": [{"name": "Tag-3"}],
                                               "profile_image_url": image})
    await create(client, admin, "decoy", meta={"description": "ends in -3",
                                               "tags": [{"name": "tag-30"}]})
    await create(client, admin, "other", meta={"tags": [{"name": "tag-4"}]})
    # The hyphen written as an escape: the text never holds "-3".
    await _raw(app, "escaped", owner, '{"tags": [{"name": "TAG\\u002d3"}]}')
    assert json.loads('"TAG\\u002d3"') == "TAG-3"

    async def ids(**params):
        answer = await client.get("/api/models/search", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return sorted(m["id"] for m in answer.json()["items"])

    assert await ids(tag="tag-3") == ["escaped", "upper"]
    assert await ids(tag="TAG-30") == ["decoy"]
    assert await ids(q="tag-3") == ["decoy", "escaped", "upper"]
    assert await ids(q="in -3") == ["decoy"]
    listed = await client.get("/api/v1/models/list", params={"tag": "tag-3"}, headers=admin)
    assert sorted(m["id"] for m in listed.json()["items"]) == ["escaped", "upper"]
