"""Retrieval quality on our own set (tests/data/retrieval_quality): recall@1/@3/@5 and MRR
for vector, keyword and hybrid retrieval.

Ingestion is the server's, with Open WebUI's defaults: each document's text is
extracted (data.extract.text), cut by the server's chunking (resolvers.files.processing
.chunk_rows: Markdown header pre-split, then 1000/100 characters), embedded by the
configured engine and written to the embedded store (resolvers.retrieval.chunks
.add_chunks), all documents in one collection as in a knowledge base. Each question is
then asked through resolvers.retrieval.search, top 5:

- vector: search_vectors (Open WebUI's default, ENABLE_RAG_HYBRID_SEARCH off);
- keyword: search_keywords (the database's full-text index);
- hybrid: search_hybrid with Open WebUI's defaults (BM25 weight 0.5, threshold 0.0),
  k and k_reranker 5. Without a reranker model Open WebUI rescores the fused candidates
  by their cosine with the query, so its top 5 are the vector top 5: hybrid equals
  vector here by design;
- fused: the weighted reciprocal-rank fusion of the keyword and vector top 5 (0.5 each),
  in fused order, without that rescoring: what BM25 adds when its ranking is kept.

A hit is a retrieved chunk of the question's document that holds at least half of the
known passage (whitespace runs counted as one space): the whole passage, or the part of
it on the chunk's side of a chunk boundary. recall@k: the share of questions with a hit
among the first k chunks; MRR: the mean of 1 / rank of the first hit, 0 when none of the
5 is one.

    /work/venv-local/bin/python bench/retrieval_quality.py                 # local model
    .venv/bin/python bench/retrieval_quality.py --engine ollama --url http://host:11434 \\
        --model nomic-embed-text
    .venv/bin/python bench/retrieval_quality.py --engine openai --url https://api/v1 \\
        --model text-embedding-3-small --key sk-...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "tests" / "data" / "retrieval_quality"
KS = (1, 3, 5)
COLLECTION = "retrieval-quality"

# A retriever answers a question with (document name, chunk text) pairs, best first.
Retriever = Callable[[str], Awaitable[list[tuple[str, str]]]]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    document: str
    passage: str


def load_questions(folder: Path = SET) -> list[Question]:
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [Question(**json.loads(line)) for line in lines if line.strip()]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _longest_end_in(passage: str, chunk: str, *, prefix: bool) -> int:
    """The length of the longest prefix (or suffix) of the passage found in the chunk:
    what a chunk holds of a passage a chunk boundary cuts. Binary search, as a part found
    means every shorter part is found too."""
    low, high = 0, len(passage)
    while low < high:
        middle = (low + high + 1) // 2
        part = passage[:middle] if prefix else passage[-middle:]
        low, high = (middle, high) if part in chunk else (low, middle - 1)
    return low


def is_hit(question: Question, document: str, chunk: str) -> bool:
    if document != question.document:
        return False
    passage, chunk = squeeze(question.passage), squeeze(chunk)
    if passage in chunk:
        return True
    held = max(_longest_end_in(passage, chunk, prefix=True),
               _longest_end_in(passage, chunk, prefix=False))
    return 2 * held >= len(passage)


def first_hit(question: Question, found: Sequence[tuple[str, str]]) -> int | None:
    """The 1-based rank of the first hit among the first max(KS) chunks, or None."""
    for rank, (document, chunk) in enumerate(found[:max(KS)], 1):
        if is_hit(question, document, chunk):
            return rank
    return None


def summarise(ranks: Sequence[int | None]) -> dict[str, float]:
    count = len(ranks) or 1
    scores = {f"recall@{k}": sum(1 for r in ranks if r is not None and r <= k) / count
              for k in KS}
    scores["mrr"] = sum(1 / r for r in ranks if r is not None) / count
    return scores


async def evaluate(retriever: Retriever, questions: Sequence[Question]
                   ) -> list[int | None]:
    return [first_hit(q, await retriever(q.question)) for q in questions]


# ---- the server's ingestion and retrieval ---------------------------------------------

async def ingest(ctx, folder: Path, names: Sequence[str] | None = None) -> int:
    """Extract, chunk, embed and store every document (or those named); the chunk count."""
    from data.extract.text import extract_text
    from data.tables import FileRow
    from resolvers.files.processing import chunk_rows
    from resolvers.retrieval.chunks import Chunk, add_chunks

    settings, count = ctx.settings.files, 0
    for path in sorted(await asyncio.to_thread(lambda: list(folder.iterdir()))):
        if names is not None and path.name not in names:
            continue
        text = await asyncio.to_thread(extract_text, path, name=path.name, content_type=None,
                                       max_expanded_size=settings.max_expanded_size)
        row = FileRow(id=f"bench-{path.stem}", user_id="bench", filename=path.name)
        chunks = [Chunk(t, m) for t, m in chunk_rows(settings, row, text)]
        count += len(await add_chunks(ctx, COLLECTION, chunks))
    return count


def retrievers(ctx, k: int = max(KS)) -> dict[str, Retriever]:
    from data.vectors.fusion import weighted_rrf
    from resolvers.retrieval.search import search_hybrid, search_keywords, search_vectors

    def wrap(search, **options) -> Retriever:
        async def retrieve(question: str) -> list[tuple[str, str]]:
            found = await search(ctx, [COLLECTION], question, k=k, **options)
            return [(c.metadata.get("name", ""), c.text) for c in found]
        return retrieve
    by_vector, by_keyword = wrap(search_vectors), wrap(search_keywords)

    async def fused(question: str) -> list[tuple[str, str]]:
        rankings = [await by_keyword(question), await by_vector(question)]
        return [key for key, _ in weighted_rrf(rankings, [0.5, 0.5])][:k]
    return {"vector": by_vector, "keyword": by_keyword,
            "hybrid": wrap(search_hybrid, k_reranker=k, bm25_weight=0.5, threshold=0.0),
            "fused": fused}


def _environment(args: argparse.Namespace, folder: str) -> dict[str, str]:
    env = {"DATA_DIR": folder, "DATABASE_URL": args.database or f"sqlite:///{folder}/q.db",
           "WEBUI_SECRET_KEY": "bench-secret-key-0123456789abcdef",
           "RAG_EMBEDDING_ENGINE": "" if args.engine == "local" else args.engine,
           "RAG_EMBEDDING_BATCH_SIZE": "32", "RAG_EMBEDDING_TIMEOUT": "300"}
    if args.model:
        env["RAG_EMBEDDING_MODEL"] = args.model
    if args.engine == "ollama":
        env["RAG_OLLAMA_BASE_URL"] = args.url
    elif args.engine == "openai":
        env |= {"RAG_OPENAI_API_BASE_URL": args.url, "RAG_OPENAI_API_KEY": args.key or ""}
    return env


async def run(args: argparse.Namespace) -> dict:
    from asgi import create_app
    from data.settings import load_settings
    from resolvers.context import Context

    questions = load_questions()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(load_settings(_environment(args, folder)))
        async with app.router.lifespan_context(app):
            ctx = Context(app.state.services)
            started = time.perf_counter()
            chunks = await ingest(ctx, SET / "documents")
            ingest_s = time.perf_counter() - started
            results = {}
            for mode, retriever in retrievers(ctx).items():
                started = time.perf_counter()
                ranks = await evaluate(retriever, questions)
                results[mode] = summarise(ranks) | {
                    "seconds": round(time.perf_counter() - started, 2),
                    "by_kind": _by_kind(questions, ranks)}
            embedder = app.state.services.embedder
            return {"engine": embedder.engine or "local", "model": embedder.model,
                    "documents": len(list((SET / "documents").iterdir())),
                    "questions": len(questions), "chunks": chunks,
                    "ingest_seconds": round(ingest_s, 2), "modes": results}


def _by_kind(questions: Sequence[Question], ranks: Sequence[int | None]) -> dict:
    kinds: dict[str, list[int | None]] = {}
    for question, rank in zip(questions, ranks, strict=True):
        kinds.setdefault(question.document.rsplit(".", 1)[1], []).append(rank)
    return {kind: round(summarise(r)["recall@5"], 3) for kind, r in sorted(kinds.items())}


def report(result: dict) -> str:
    lines = [f"{result['questions']} questions over {result['documents']} documents "
             f"({result['chunks']} chunks), engine {result['engine']}, model "
             f"{result['model']}; ingest {result['ingest_seconds']} s", "",
             "| mode | recall@1 | recall@3 | recall@5 | MRR | recall@5 by kind |",
             "| --- | --- | --- | --- | --- | --- |"]
    for mode, s in result["modes"].items():
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in s["by_kind"].items())
        lines.append(f"| {mode} | {s['recall@1']:.3f} | {s['recall@3']:.3f} | "
                     f"{s['recall@5']:.3f} | {s['mrr']:.3f} | {kinds} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("local", "ollama", "openai"), default="local")
    parser.add_argument("--url", help="the upstream's base URL (Ollama, or OpenAI-compatible "
                                      "ending in /v1)")
    parser.add_argument("--model", help="embedding model (default: all-MiniLM-L6-v2 locally)")
    parser.add_argument("--key", help="API key for an OpenAI-compatible upstream")
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.engine != "local" and not args.url:
        parser.error("--url is required with --engine ollama or openai")
    result = asyncio.run(run(args))
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    # The repository first, and not bench/ itself: bench/graphql.py would hide the
    # graphql library that asgi's imports need.
    sys.path[:] = [str(ROOT)] + [p for p in sys.path
                                 if Path(p or ".").resolve() != ROOT / "bench"]
    sys.exit(main())
