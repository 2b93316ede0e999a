"""Filters around completions that an upstream answers (SQLite and PostgreSQL): a global
filter's inlet, run in a worker, edits what the upstream receives, streamed or not; a
filter that fails answers 502 and the upstream is never asked."""

from __future__ import annotations

import pytest

from tests.support.ai import (
    upstream,  # noqa: F401 (the scripted upstream fixture)
    upstream_env,
)
from tests.support.functions import LIMITS, V1, create, people, source  # noqa: F401


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:  # noqa: F811
    return upstream_env(upstream) | LIMITS


def _sent(upstream) -> list[str]:  # noqa: F811
    return [r.body["messages"][-1]["content"] for r in upstream.requests
            if r.path.endswith("/chat/completions")]


@pytest.mark.parametrize("stream", [False, True])
async def test_a_global_filter_edits_what_the_upstream_receives(client, people,  # noqa: F811
                                                                upstream, stream):  # noqa: F811
    admin = people["admin"]
    await create(client, admin, "tag_filter", source("tag_filter"))
    await client.post(f"{V1}/id/tag_filter/toggle/global", headers=admin)
    answer = await client.post("/api/chat/completions", headers=admin, json={
        "model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 200, answer.text
    assert _sent(upstream) == ["hi [tagged]"]


async def test_a_failing_filter_stops_the_completion(client, people, upstream):  # noqa: F811
    admin = people["admin"]
    await create(client, admin, "bad_filter", "class Filter:\n    def inlet(self, body):\n"
                                              "        return body['missing']\n")
    await client.post(f"{V1}/id/bad_filter/toggle/global", headers=admin)
    answer = await client.post("/api/chat/completions", headers=admin, json={
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 502 and "KeyError" in answer.json()["detail"]
    assert _sent(upstream) == []
