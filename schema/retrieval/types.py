"""RetrievedChunk: a piece of a document found by a search, with its score and source."""

import strawberry
from strawberry.scalars import JSON

from resolvers.retrieval.search import RetrievedChunk as Found


@strawberry.type(description="A chunk of a document that matched a search, best first.")
class RetrievedChunk:
    id: strawberry.ID = strawberry.field(description="The chunk's id in its collection.")
    text: str = strawberry.field(description="The chunk's text.")
    score: float = strawberry.field(description=(
        "How well it matches; higher is better. Vector search: (1 + cosine) / 2; hybrid "
        "search: the cosine, compared with RAG_RELEVANCE_THRESHOLD."))
    collection: str = strawberry.field(description=(
        "Where it was found: a knowledge base's id, or file-<file id>."))
    file_id: strawberry.ID | None = strawberry.field(description=(
        "The file the chunk was cut from, when it came from a file."))
    source_name: str | None = strawberry.field(description=(
        "The document's name (its file name), for citations."))
    metadata: JSON = strawberry.field(description=(
        "Everything recorded with the chunk (Open WebUI's chunk metadata: name, source, "
        "file_id, hash, start_index, headers, embedding_config...)."))

    @classmethod
    def from_found(cls, found: Found) -> "RetrievedChunk":
        meta = dict(found.metadata)
        file_id = meta.get("file_id")
        source = meta.get("name") or meta.get("source")
        return cls(id=strawberry.ID(found.id), text=found.text, score=found.score,
                   collection=found.collection,
                   file_id=strawberry.ID(file_id) if isinstance(file_id, str) else None,
                   source_name=source if isinstance(source, str) else None, metadata=meta)
