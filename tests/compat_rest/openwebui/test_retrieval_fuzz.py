"""Whatever a client sends to the retrieval routes (hypothesis: each form's fields with
values of any JSON type, NUL, huge numbers, nesting), the answer is never a 5xx, on
SQLite and PostgreSQL, for a user and for an admin."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import embedding_env

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
TEXT = st.text(max_size=12) | st.sampled_from(
    ["\x00", "knowledge-bases", "file-x", "a b", "", "x" * 300, "cats sleep"])
NUMBER = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False) \
    | st.sampled_from([0, 1, 3, 10**9, -1, 0.5])
VALUES = st.recursive(st.none() | st.booleans() | NUMBER | TEXT,
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
FIELDS = ["name", "content", "collection_name", "collection_names", "query", "k",
          "k_reranker", "r", "hybrid", "hybrid_bm25_weight", "files", "file_id", "texts",
          "knowledge_ids", "file_ids", "TOP_K", "HYBRID_BM25_WEIGHT", "RAG_EMBEDDING_ENGINE",
          "RAG_EMBEDDING_MODEL", "ollama_config", "openai_config"]
PATHS = ["/api/v1/retrieval/process/text", "/api/v1/retrieval/process/files/batch",
         "/api/v1/retrieval/query/doc", "/api/v1/retrieval/query/collection",
         "/api/v1/retrieval/delete", "/api/v1/retrieval/config/update",
         "/api/v1/retrieval/embedding/update", "/api/rag/embed", "/api/rag/query"]


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "20"}


@pytest.fixture
async def tokens(accounts) -> dict[str, dict[str, str]]:
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    return {"admin": bearer(admin["token"]), "user": bearer(alice["token"])}


@FUZZ
@given(path=st.sampled_from(PATHS), who=st.sampled_from(["admin", "user"]),
       body=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=5))
async def test_any_form_gets_no_5xx(client, tokens, path, who, body):
    if path.endswith("embedding/update"):
        for field in ("ollama_config", "RAG_EMBEDDING_ENGINE", "RAG_EMBEDDING_MODEL"):
            body.pop(field, None)  # keep the scripted embedding server in use
    response = await client.post(path, content=json.dumps(body), headers=tokens[who])
    assert response.status_code < 500, (path, who, body, response.text)
