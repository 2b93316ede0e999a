"""Pipelines for tests: one scripted server as the chat upstream and the embedding
engine (by meaning), function workers with small limits, and REST helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import bearer
from tests.support.ai import UPSTREAM_KEY
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.functions import LIMITS
from tests.support.upstream import ScriptedUpstream

__all__ = ["env_overrides", "people", "upstream"]

P = "/api/pipelines"


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedUpstream]:
    async with ScriptedUpstream(key=UPSTREAM_KEY) as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


def pipelines_env(upstream: ScriptedUpstream) -> dict[str, str]:
    """Model access control stays on: who may use which model is part of what is tested."""
    return {"OLLAMA_BASE_URLS": upstream.url, "OPENAI_API_BASE_URLS": upstream.openai_url,
            "OPENAI_API_KEYS": UPSTREAM_KEY, "UPSTREAM_IDLE_TIMEOUT": "2",
            **embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "60", **LIMITS}


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return pipelines_env(upstream)


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    una = await accounts.user("una@example.com", name="Una User")
    return {"admin": bearer(admin["token"]), "una": bearer(una["token"]),
            "admin_id": admin["id"], "una_id": una["id"], "admin_token": admin["token"],
            "una_token": una["token"]}


def model_step(name: str, prompt: str, model: str = "llama3:8b") -> dict:
    return {"name": name, "kind": "model", "model": model, "prompt": prompt}


async def create(client, headers, *steps: dict, name: str = "Flow", **extra) -> dict:
    answer = await client.post(P, headers=headers, json={
        "name": name, "definition": {"steps": list(steps)}, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def run(client, headers, pipeline_id: str, given: str = "hello", *,
              wait: bool = True) -> dict:
    answer = await client.post(f"{P}/{pipeline_id}/execute", headers=headers,
                               params={"wait": "true"} if wait else None,
                               json={"input": given})
    assert answer.status_code == 200, answer.text
    return answer.json()
