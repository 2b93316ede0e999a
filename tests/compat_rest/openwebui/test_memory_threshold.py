"""A memory search drops matches below RAG_RELEVANCE_THRESHOLD, as Open WebUI's does
(SQLite and PostgreSQL, embeddings from the scripted Ollama server)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.upstream import ScriptedUpstream


@pytest.fixture
async def upstream():
    async with ScriptedUpstream() as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    # Scores are (1 + cosine) / 2: texts sharing no word score 0.5, the same text 1.
    return embedding_env(upstream.url) | {"RAG_RELEVANCE_THRESHOLD": "0.75"}


async def test_matches_below_the_threshold_are_dropped(client, accounts):
    admin = bearer((await accounts.admin())["token"])
    for content in ("I grow tomatoes in my garden", "My car is a red hatchback"):
        assert (await client.post("/api/v1/memories/add", headers=admin,
                                  json={"content": content})).status_code == 200
    found = (await client.post("/api/v1/memories/query", headers=admin,
                               json={"content": "tomatoes garden", "k": 5})).json()
    assert found["documents"] == [["I grow tomatoes in my garden"]]
    assert found["distances"][0][0] >= 0.75
    nothing = (await client.post("/api/v1/memories/query", headers=admin,
                                 json={"content": "quantum physics", "k": 5})).json()
    assert nothing == {"ids": [[]], "documents": [[]], "metadatas": [[]], "distances": [[]]}
