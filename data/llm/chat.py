"""A chat answer from any upstream, read as ChatChunks, streamed or whole."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

from data.llm import ollama, openai
from data.llm.base import OLLAMA, ChatChunk, UpstreamBroken
from data.llm.streams import JSON, LineCheck, UpstreamResponse

MAX_ANSWER = 64 * 1024 * 1024


async def read_chat(answer: UpstreamResponse, secrets: Sequence[str] = ()
                    ) -> AsyncIterator[ChatChunk]:
    """Every piece of the answer as it arrives; raises an UpstreamError when the upstream
    breaks off, reports an error or writes something that is not its format."""
    kind = answer.connection.kind
    if answer.framing == JSON:
        body = await answer.read_all(MAX_ANSWER)
        try:
            value = json.loads(body)
        except ValueError:
            value = None
        if not isinstance(value, dict) or value.get("error"):
            raise UpstreamBroken(f"{answer.connection.label} answered something that is not "
                                 "a chat completion.")
        yield ollama.read_line(value) if kind == OLLAMA else openai.read_completion(value)
        return
    check = LineCheck(answer.framing, answer.connection, keep=True, secrets=secrets)
    read = ollama.read_line if kind == OLLAMA else openai.read_event
    while (chunk := await answer.next_chunk()) is not None:
        check.feed(chunk)
        for value in check.values:
            yield read(value)
        check.values.clear()
        if check.failure is not None:
            raise check.failure
    check.end()
    for value in check.values:
        yield read(value)
    if check.failure is not None:
        raise check.failure
    if not check.finished:
        raise UpstreamBroken(f"{answer.connection.label} ended the answer before finishing it.")
