"""Open WebUI's way of putting passages before a model, as pure functions: the context
tags, the template filled in one pass, where the prompt goes, and the request's file
items read (malformed ones refused, other kinds passed over); RAG_TEMPLATE seeded into
the shared config from the environment."""

import pytest

from resolvers.completions.grounding import TEMPLATE_KEY, knowledge_refs, request_refs
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.retrieval.template import (
    DEFAULT_RAG_TEMPLATE,
    query_of,
    rag_prompt,
    source_context,
    with_context,
)


def test_one_id_per_distinct_source_and_names_quoted():
    sources = [
        {"source": {"id": "f1", "name": 'a "b".md'}, "document": ["one", "two"],
         "metadata": [{"source": "a.md"}, {"source": "a.md"}]},
        {"source": {"id": "kb"}, "document": ["three", "four"],
         "metadata": [{"source": "c.md"}, {}]},
    ]
    assert source_context(sources).split("\n") == [
        '<source id="1" name="a &quot;b&quot;.md">one</source>',
        '<source id="1" name="a &quot;b&quot;.md">two</source>',
        '<source id="2">three</source>',
        '<source id="3">four</source>',
    ]


def test_the_template_is_filled_once():
    filled = rag_prompt("C={{CONTEXT}} Q={{QUERY}} old=[context]/[query]",
                        "doc says {{QUERY}}", "why [context]?")
    assert filled == ("C=doc says {{QUERY}} Q=why [context]? "
                      "old=doc says {{QUERY}}/why [context]?")
    default = rag_prompt("  ", "CTX", "QQ")
    assert default == DEFAULT_RAG_TEMPLATE.replace("{{CONTEXT}}", "CTX").replace(
        "{{QUERY}}", "QQ")
    assert default.startswith("### Task:") and "<context>\nCTX\n</context>" in default


def test_the_prompt_goes_before_the_last_user_message():
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}]
    assert with_context(messages, "P") == [{"role": "system", "content": "S"},
                                           {"role": "user", "content": "P\nQ"}]
    assert messages[-1]["content"] == "Q"  # the caller's list is left alone
    parts = [{"role": "user", "content": [{"type": "text", "text": "Q"},
                                          {"type": "image_url", "image_url": {"url": "u"}}]}]
    assert with_context(parts, "P")[0]["content"] == [
        {"type": "text", "text": "P\nQ"}, {"type": "image_url", "image_url": {"url": "u"}}]
    assert with_context([{"role": "assistant", "content": "A"}], "P")[-1] == {
        "role": "user", "content": "P"}
    assert query_of(parts) == "Q" and query_of([{"role": "assistant", "content": "A"}]) == ""


def test_file_items_are_read_as_open_webui_sends_them():
    body = {"files": [{"type": "file", "id": "f1", "name": "a.md"},
                      {"type": "image", "url": "data:"},
                      {"file": {"id": "f2"}},
                      {"type": "collection", "id": "k1"}],
            "user_message": {"files": [{"type": "file", "id": "f1"},
                                       {"type": "file", "id": "f3", "context": "full"}]}}
    assert [(r.kind, r.id, r.full) for r in request_refs(body)] == [
        ("file", "f1", False), ("file", "f2", False), ("collection", "k1", False),
        ("file", "f3", True)]
    for bad in ({"files": "f1"}, {"files": [{"type": "file"}]}, {"files": ["f1"]},
                {"user_message": {"files": [{"type": "collection", "id": 7}]}}):
        with pytest.raises(Invalid):
            request_refs(bad)


def test_a_presets_knowledge():
    class Preset:
        meta = {"knowledge": [{"id": "k1", "name": "KB"}, {"id": "f1", "type": "file"},
                              {"name": "no id"}, "junk"]}

    assert [(r.kind, r.id) for r in knowledge_refs(Preset())] == [
        ("collection", "k1"), ("file", "f1")]
    assert knowledge_refs(None) == []


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"RAG_TEMPLATE": "Only: {{CONTEXT}} / {{QUERY}}"}


async def test_rag_template_is_seeded_from_the_environment(app):
    ctx = Context(app.state.services)
    async with ctx.unit_of_work():
        assert await ctx.services.config.get(ctx.session, TEMPLATE_KEY) == \
            "Only: {{CONTEXT}} / {{QUERY}}"
