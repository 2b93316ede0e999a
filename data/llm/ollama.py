"""Ollama's wire format: an OpenAI-shaped chat request turned into an `/api/chat` body,
and Ollama's answer lines (chat and generate) read as ChatChunks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from data.llm.base import ChatChunk, Usage

# OpenAI body fields that Ollama takes inside `options`, by Ollama's name.
_OPTIONS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "min_p": "min_p",
            "seed": "seed", "stop": "stop", "frequency_penalty": "frequency_penalty",
            "presence_penalty": "presence_penalty", "max_tokens": "num_predict",
            "max_completion_tokens": "num_predict"}
_TIMINGS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
_FINISH = {"stop": "stop", "length": "length"}


def chat_body(body: Mapping[str, Any], upstream_model: str, *, stream: bool) -> dict[str, Any]:
    """An Ollama `/api/chat` body for an OpenAI chat-completions body."""
    out: dict[str, Any] = {"model": upstream_model, "stream": stream,
                           "messages": [_message(m) for m in body.get("messages") or []
                                        if isinstance(m, Mapping)]}
    options = dict(body["options"]) if isinstance(body.get("options"), Mapping) else {}
    for name, option in _OPTIONS.items():
        if body.get(name) is not None:
            options[option] = body[name]
    if options:
        out["options"] = options
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping):
        if response_format.get("type") == "json_object":
            out["format"] = "json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if response_format.get("type") == "json_schema" and isinstance(schema, Mapping):
            out["format"] = schema
    for passed in ("tools", "keep_alive", "think", "format"):
        if body.get(passed) is not None:
            out[passed] = body[passed]
    return out


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.get("role", "user")}
    content = message.get("content")
    if isinstance(content, list):
        texts, images = [], []
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "text":
                texts.append(str(part.get("text", "")))
            elif part.get("type") == "image_url":
                url = (part.get("image_url") or {}).get("url", "")
                if isinstance(url, str) and url.startswith("data:") and "," in url:
                    images.append(url.split(",", 1)[1])
        out["content"] = "\n".join(texts)
        if images:
            out["images"] = images
    else:
        out["content"] = content if isinstance(content, str) else ""
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        out["tool_calls"] = [_tool_call_to_ollama(c) for c in calls if isinstance(c, Mapping)]
    if message.get("images"):
        out["images"] = message["images"]
    return out


def _tool_call_to_ollama(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            arguments = {}
    return {"function": {"name": function.get("name", ""), "arguments": arguments or {}}}


def read_line(value: Mapping[str, Any]) -> ChatChunk:
    """One line of `/api/chat` or `/api/generate` (streamed or not) as a ChatChunk."""
    message = value.get("message")
    if isinstance(message, Mapping):
        content, reasoning = message.get("content"), message.get("thinking")
        calls = message.get("tool_calls")
    else:
        content, reasoning, calls = value.get("response"), value.get("thinking"), None
    tool_calls = tuple(_tool_call_to_openai(i, c) for i, c in enumerate(calls or [])
                       if isinstance(c, Mapping))
    finish, usage = None, None
    if value.get("done") is True:
        finish = "tool_calls" if tool_calls else _FINISH.get(value.get("done_reason"), "stop")
        usage = Usage(prompt_tokens=_int(value.get("prompt_eval_count")),
                      completion_tokens=_int(value.get("eval_count")),
                      extra={k: value[k] for k in _TIMINGS if isinstance(value.get(k), int)})
    return ChatChunk(content=content if isinstance(content, str) else "",
                     reasoning=reasoning if isinstance(reasoning, str) else "",
                     tool_calls=tool_calls, finish_reason=finish, usage=usage)


def _tool_call_to_openai(index: int, call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    arguments = function.get("arguments", {})
    return {"index": index, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
            "function": {"name": function.get("name", ""),
                         "arguments": arguments if isinstance(arguments, str)
                         else json.dumps(arguments)}}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def embed_body(body: Mapping[str, Any], upstream_model: str) -> dict[str, Any]:
    """An Ollama `/api/embed` body for an OpenAI embeddings body."""
    out: dict[str, Any] = {"model": upstream_model, "input": body.get("input", "")}
    if body.get("dimensions") is not None:
        out["dimensions"] = body["dimensions"]
    return out


def embeddings_as_openai(answer: Mapping[str, Any], model_id: str) -> dict[str, Any]:
    """Ollama's `/api/embed` answer in OpenAI's embeddings shape."""
    vectors = answer.get("embeddings") if isinstance(answer.get("embeddings"), list) else []
    tokens = _int(answer.get("prompt_eval_count"))
    return {"object": "list", "model": model_id,
            "data": [{"object": "embedding", "index": i, "embedding": v}
                     for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
