"""Answers grounded in documents: a chat request that names files or knowledge bases
(Open WebUI's `files` in the body and in `user_message.files`, and a preset's
`meta.knowledge`) has passages retrieved from them with its last user message as the
query, put in front of the model with RAG_TEMPLATE, and the sources returned in Open
WebUI's shape for the surface to show as citations:

    {"source": {"type": "file", "id": ..., "name": ...}, "document": [passage, ...],
     "metadata": [chunk metadata, ...], "distances": [score, ...]}

A file or knowledge base the caller may not read is refused as if it did not exist
(404), never used and never silently dropped. A preset's own knowledge is the preset
author's choice: the parts its user may not read are left out, not refused, so that
sharing a preset does not share its documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from data.tables import FileRow, KnowledgeFileRow, KnowledgeRow, ModelRow
from resolvers.context import Context, Viewer
from resolvers.errors import Invalid, NotFound
from resolvers.files.access import accessible_file
from resolvers.knowledge.access import knowledge_not_found, readable_knowledge_ids
from resolvers.retrieval.search import MAX_QUERY, query_vector, search
from resolvers.retrieval.template import query_of, rag_prompt, source_context, with_context

FILE, COLLECTION = "file", "collection"
MAX_ITEMS = 100
TEMPLATE_KEY = "rag.template"  # Open WebUI's config key for RAG_TEMPLATE


@dataclass(frozen=True)
class Ref:
    """A document the request names: a file or a knowledge base (`collection`)."""

    kind: str
    id: str
    item: Mapping[str, Any] = field(default_factory=dict)  # as the client sent it
    full: bool = False  # Open WebUI's `context: "full"`: the whole text, no retrieval


@dataclass(frozen=True)
class Grounded:
    body: dict[str, Any]
    sources: list[dict[str, Any]]


def refs_of(items: Any, *, field_name: str = "files") -> list[Ref]:
    """The files and knowledge bases among Open WebUI's file items (`{type: "file", id}`,
    `{type: "collection", id}`, `{file: {id}}`); other kinds (images, URLs, notes) are
    not documents to search here and are passed over. Malformed items are Invalid."""
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise Invalid(f"{field_name} must be a list of at most {MAX_ITEMS} file items.",
                      reason="invalid_files", field=field_name)
    refs = []
    for item in items:
        if not isinstance(item, Mapping):
            raise Invalid(f"{field_name} holds objects.", reason="invalid_files",
                          field=field_name)
        kind = item.get("type")
        nested = item.get("file") if isinstance(item.get("file"), Mapping) else None
        if kind not in (FILE, COLLECTION, None) or (kind is None and nested is None):
            continue
        ref_id = item.get("id") or (nested or {}).get("id")
        if not isinstance(ref_id, str) or not ref_id:
            raise Invalid(f"Each item of {field_name} names a file or knowledge base by id.",
                          reason="invalid_files", field=field_name)
        refs.append(Ref(kind or FILE, ref_id, item, item.get("context") == "full"))
    return refs


def knowledge_refs(preset: ModelRow | None) -> list[Ref]:
    """A preset's `meta.knowledge`: knowledge bases (Open WebUI stores the knowledge
    objects, `type` "collection" or none) and single files (`type` "file")."""
    meta = preset.meta if preset is not None and isinstance(preset.meta, dict) else {}
    items = meta.get("knowledge")
    if not isinstance(items, list):
        return []
    refs = []
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            kind = FILE if item.get("type") == FILE else COLLECTION
            refs.append(Ref(kind, item["id"], item, item.get("context") == "full"))
    return refs


def request_refs(body: Mapping[str, Any]) -> list[Ref]:
    """Every document the request names, each once, in order."""
    message = body.get("user_message") or body.get("parent_message")
    found = refs_of(body.get("files"))
    if isinstance(message, Mapping):
        found += refs_of(message.get("files"), field_name="user_message.files")
    unique: dict[tuple[str, str], Ref] = {}
    for ref in found:
        unique.setdefault((ref.kind, ref.id), ref)
    return list(unique.values())


async def ground(ctx: Context, viewer: Viewer, body: Mapping[str, Any],
                 preset: ModelRow | None = None) -> Grounded:
    """The body to send, with the retrieved context put in, and the sources; the body
    unchanged and no sources when it names no documents or nothing was found."""
    asked = request_refs(body)
    offered = [r for r in knowledge_refs(preset)
               if (r.kind, r.id) not in {(a.kind, a.id) for a in asked}]
    if not asked and not offered:
        return Grounded(dict(body), [])
    names = await _readable(ctx, viewer, asked, refuse=True)
    names |= await _readable(ctx, viewer, offered, refuse=False)
    refs = [r for r in (*asked, *offered) if (r.kind, r.id) in names]
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    query = query_of(messages)
    if not refs or not query.strip():
        return Grounded(dict(body), [])
    sources = []
    vector = _OnceEmbedded(query[:MAX_QUERY])  # a very long message: searched by its start
    for ref in refs:
        source = await _source(ctx, ref, names[(ref.kind, ref.id)], vector)
        if source["document"]:
            sources.append(source)
    if not sources:
        return Grounded(dict(body), [])
    template = await ctx.services.config.get(ctx.session, TEMPLATE_KEY)
    prompt = rag_prompt(template, source_context(sources), query)
    return Grounded({**body, "messages": with_context(messages, prompt)}, sources)


async def _readable(ctx: Context, viewer: Viewer, refs: Sequence[Ref], *, refuse: bool
                    ) -> dict[tuple[str, str], str]:
    """(kind, id) -> display name of the refs the viewer may read; with `refuse`, the
    first other one is raised as not found."""
    names: dict[tuple[str, str], str] = {}
    for ref in refs:
        if ref.kind == FILE:
            try:
                row = await accessible_file(ctx, viewer, ref.id)
            except NotFound:
                if refuse:
                    raise
                continue
            names[(FILE, ref.id)] = row.filename
    wanted = [r.id for r in refs if r.kind == COLLECTION]
    readable = await readable_knowledge_ids(ctx, viewer, wanted) if wanted else set()
    missing = [ref_id for ref_id in wanted if ref_id not in readable]
    if refuse and missing:
        raise knowledge_not_found(missing[0])
    if readable:
        rows = await ctx.session.execute(select(KnowledgeRow.id, KnowledgeRow.name)
                                         .where(KnowledgeRow.id.in_(readable)))
        names |= {(COLLECTION, r.id): r.name for r in rows}
    return names


class _OnceEmbedded:
    """The query and its embedding, made at the first search and reused by the others:
    one embedding request per chat request, however many documents it names."""

    def __init__(self, query: str):
        self.query = query
        self._vector: list[float] | None = None

    async def vector(self, ctx: Context) -> list[float]:
        if self._vector is None:
            self._vector = await query_vector(ctx, self.query)
        return self._vector


async def _source(ctx: Context, ref: Ref, name: str, query: _OnceEmbedded
                  ) -> dict[str, Any]:
    about = {k: v for k, v in ref.item.items() if k != "data"}
    about.update(type=ref.kind, id=ref.id, name=about.get("name") or name)
    defaults = ctx.settings.vectors.retrieval
    # Without vectors (BYPASS_EMBEDDING_AND_RETRIEVAL) Open WebUI sends whole texts too.
    if ref.full or defaults.full_context or defaults.bypass_embedding:
        documents, metadata = await _whole_texts(ctx, ref)
        return {"source": about, "document": documents, "metadata": metadata}
    collection = f"file-{ref.id}" if ref.kind == FILE else ref.id
    found = await search(ctx, [collection], query.query, vector=await query.vector(ctx))
    return {"source": about, "document": [c.text for c in found],
            "metadata": [dict(c.metadata) for c in found],
            "distances": [c.score for c in found]}


async def _whole_texts(ctx: Context, ref: Ref) -> tuple[list[str], list[dict[str, Any]]]:
    """RAG_FULL_CONTEXT (or `context: "full"`): each file's whole extracted text."""
    query = select(FileRow)
    if ref.kind == FILE:
        query = query.where(FileRow.id == ref.id)
    else:
        query = query.join(KnowledgeFileRow, KnowledgeFileRow.file_id == FileRow.id).where(
            KnowledgeFileRow.knowledge_id == ref.id)
    rows = (await ctx.session.execute(query.order_by(FileRow.created_at))).scalars().all()
    texts = [(row, str((row.data or {}).get("content") or "")) for row in rows]
    return ([text for _, text in texts if text],
            [{"file_id": row.id, "name": row.filename, "source": row.filename}
             for row, text in texts if text])
