"""The retrieval quality bench's scoring (bench/retrieval_quality.py), on a slice of the
set ingested as the bench does it (SQLite and PostgreSQL, embeddings from the scripted
Ollama server): a hit is the passage or at least half of it, in the question's document;
recall@k and MRR come out right for retrievers whose answers are known."""

from __future__ import annotations

import pytest

from bench.retrieval_quality import (
    COLLECTION,
    SET,
    Question,
    evaluate,
    ingest,
    is_hit,
    load_questions,
    retrievers,
    summarise,
)
from resolvers.context import Context
from tests.support.embeddings import *  # noqa: F403 (the scripted embedding fixtures)
from tests.support.embeddings import embedding_env


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:  # noqa: F811
    # No short timeout: on a busy machine a slow answer must not pass for a failure.
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "60"}

SLICE = ("brisa3-espresso-manual.md", "northwind-travel-policy.txt", "lentil-dal.html",
         "ironclad-gym-faq.json", "hiking-trails.csv", "ledgerly-4.2-release-notes.md")
PASSAGE = ("Descale the boiler every 8 weeks with one sachet of citric descaler dissolved "
           "in 1.5 litres of water; run the solution through the steam wand first, then "
           "the group head.")
QUESTION = Question("q", "how often?", "brisa3-espresso-manual.md", PASSAGE)


def test_a_hit_holds_the_passage_or_at_least_half_of_it_in_its_document():
    doc = QUESTION.document
    assert is_hit(QUESTION, doc, "## Care\n\n" + PASSAGE.replace(" ", "\n  ") + "\n\nMore.")
    cut = len(PASSAGE) * 6 // 10
    assert is_hit(QUESTION, doc, "Intro text. " + PASSAGE[:cut])  # cut by the next chunk
    assert is_hit(QUESTION, doc, PASSAGE[-cut:] + " Next section.")  # cut by the last one
    assert not is_hit(QUESTION, doc, "Intro text. " + PASSAGE[:len(PASSAGE) * 4 // 10])
    assert not is_hit(QUESTION, "brisa2-espresso-manual.md", PASSAGE)
    assert not is_hit(QUESTION, doc, "Descale the boiler every 12 weeks with two sachets.")


def test_recall_at_k_and_mrr_of_known_ranks():
    scores = summarise([1, 3, None, 5])
    assert scores == pytest.approx({"recall@1": 0.25, "recall@3": 0.5, "recall@5": 0.75,
                                    "mrr": (1 + 1 / 3 + 1 / 5) / 4})
    assert summarise([None, None]) == {"recall@1": 0, "recall@3": 0, "recall@5": 0,
                                       "mrr": 0}


def test_the_set_is_large_and_every_question_names_a_document_of_it():
    questions = load_questions()
    names = {path.name for path in (SET / "documents").iterdir()}
    assert len(questions) >= 200 and len(names) >= 50
    assert {q.document for q in questions} <= names
    assert {name.rsplit(".", 1)[1] for name in names} >= {"md", "txt", "html", "json", "csv"}


async def test_scores_of_known_retrievers_and_of_the_servers_modes(app, upstream):
    ctx = Context(app.state.services)
    chunks = await ingest(ctx, SET / "documents", SLICE)
    stored = await app.state.services.vectors.get(COLLECTION)
    assert chunks == len(stored.ids[0]) >= len(SLICE)
    pieces = [(m["name"], t) for t, m in zip(stored.documents[0], stored.metadatas[0],
                                             strict=True)]
    questions = [q for q in load_questions() if q.document in SLICE]
    by_text = {q.question: q for q in questions}

    def right(question: str) -> list[tuple[str, str]]:
        return [p for p in pieces if is_hit(by_text[question], *p)][:1]

    def wrong(question: str) -> list[tuple[str, str]]:
        return [p for p in pieces if p[0] != by_text[question].document][:5]

    async def perfect(question: str):
        return right(question)

    async def second(question: str):
        return wrong(question)[:1] + right(question)

    async def bad(question: str):
        return wrong(question)

    assert summarise(await evaluate(perfect, questions)) == {
        "recall@1": 1, "recall@3": 1, "recall@5": 1, "mrr": 1}
    assert summarise(await evaluate(second, questions)) == {
        "recall@1": 0, "recall@3": 1, "recall@5": 1, "mrr": 0.5}
    assert summarise(await evaluate(bad, questions)) == {
        "recall@1": 0, "recall@3": 0, "recall@5": 0, "mrr": 0}
    for mode, retriever in retrievers(ctx).items():
        scores = summarise(await evaluate(retriever, questions))
        assert 0 < scores["recall@1"] <= scores["recall@3"] <= scores["recall@5"] <= 1, mode
        assert scores["recall@1"] <= scores["mrr"] <= scores["recall@5"], mode
    assert upstream.requests, "the queries were embedded by the scripted server"
