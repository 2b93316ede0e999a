"""Putting retrieved passages in front of a model as Open WebUI does: each passage in a
`<source id="n" name="...">` tag (one number per distinct source, for citations like
[1]), the tags filled into RAG_TEMPLATE's `{{CONTEXT}}` with the question in
`{{QUERY}}`, and the result put before the text of the last user message."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# Open WebUI's default RAG_TEMPLATE (config.py DEFAULT_RAG_TEMPLATE): a config default,
# kept word for word so that a model sees the same prompt behind either server.
DEFAULT_RAG_TEMPLATE = """### Task:
Respond to the user query using the provided context, incorporating inline citations in the format [id] **only when the <source> tag includes an explicit id attribute** (e.g., <source id="1">).

### Guidelines:
- If you don't know the answer, clearly state that.
- If uncertain, ask the user for clarification.
- Respond in the same language as the user's query.
- If the context is unreadable or of poor quality, inform the user and provide the best possible answer.
- If the answer isn't present in the context but you possess the knowledge, explain this to the user and provide the answer using your own understanding.
- **Only include inline citations using [id] (e.g., [1], [2]) when the <source> tag includes an id attribute.**
- Do not cite if the <source> tag does not contain an id attribute.
- Do not use XML tags in your response.
- Ensure citations are concise and directly related to the information provided.

### Example of Citation:
If the user asks about a specific topic and the information is found in a source with a provided id attribute, the response should include the citation like in the following example:
* "According to the study, the proposed method increases efficiency by 20% [1]."

### Output:
Provide a clear and direct response to the user's query, including inline citations in the format [id] only when the <source> tag with id attribute is present in the context.

<context>
{{CONTEXT}}
</context>

<user_query>
{{QUERY}}
</user_query>
"""  # noqa: E501

# Open WebUI's placeholders, old ([context], [query]) and new.
_PLACEHOLDERS = re.compile(r"\{\{CONTEXT\}\}|\[context\]|\{\{QUERY\}\}|\[query\]")


def rag_prompt(template: str | None, context: str, query: str) -> str:
    """The template with its placeholders filled in one pass, so a document or question
    that itself contains `{{QUERY}}` is never filled in again. An empty template is the
    default one."""
    template = template if isinstance(template, str) and template.strip() \
        else DEFAULT_RAG_TEMPLATE
    return _PLACEHOLDERS.sub(
        lambda m: context if m.group() in ("{{CONTEXT}}", "[context]") else query, template)


def source_context(sources: Sequence[Mapping[str, Any]]) -> str:
    """The passages as `<source>` tags: one id per distinct source (the chunk's `source`
    metadata, else the source's id), numbered from 1 in order of appearance."""
    numbers: dict[str, int] = {}
    parts = []
    for source in sources:
        about = source.get("source") or {}
        name = about.get("name")
        for text, meta in zip(source.get("document") or [], source.get("metadata") or [],
                              strict=False):
            key = str((meta or {}).get("source") or about.get("id") or "N/A")
            number = numbers.setdefault(key, len(numbers) + 1)
            label = f' name="{_attribute(name)}"' if name else ""
            parts.append(f'<source id="{number}"{label}>{text}</source>')
    return "\n".join(parts)


def _attribute(value: object) -> str:
    return str(value).replace("&", "&amp;").replace('"', "&quot;")


def with_context(messages: Sequence[Any], prompt: str) -> list[Any]:
    """The messages with `prompt` put before the last user message's text (Open WebUI's
    default, RAG_SYSTEM_CONTEXT off); a conversation that does not end with a user
    message gets one."""
    out = list(messages)
    if out and isinstance(out[-1], Mapping) and out[-1].get("role") == "user":
        last = dict(out[-1])
        content = last.get("content")
        if isinstance(content, list):
            last["content"] = [
                {**part, "text": f"{prompt}\n{part.get('text', '')}"}
                if isinstance(part, Mapping) and part.get("type") == "text" else part
                for part in content]
        else:
            last["content"] = f"{prompt}\n{content if isinstance(content, str) else ''}"
        out[-1] = last
        return out
    return [*out, {"role": "user", "content": prompt}]


def query_of(messages: Sequence[Any]) -> str:
    """The text of the last user message: what retrieval searches for."""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "\n".join(p["text"] for p in content if isinstance(p, Mapping)
                                 and p.get("type") == "text" and isinstance(p.get("text"), str))
    return ""
