"""Open WebUI's hybrid retrieval without a reranker model (rest-ai.md §8.5): a keyword
ranking and a vector ranking fused by weighted reciprocal-rank fusion (LangChain's
EnsembleRetriever, c = 60, duplicates by content), then the fused candidates rescored by
the cosine of their vectors with the query's, kept when at least the threshold, best
first."""

from __future__ import annotations

from collections.abc import Sequence

RRF_C = 60


def weighted_rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float],
                 c: int = RRF_C) -> list[tuple[str, float]]:
    """Keys by sum of weight / (rank + c) over the rankings (rank from 1), best first;
    a key's first place in the rankings breaks ties, as LangChain's unique_by_key does."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(dict.fromkeys(ranking), start=1):
            scores[key] = scores.get(key, 0.0) + weight / (rank + c)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def cosines(query: Sequence[float], vectors: Sequence[Sequence[float]]) -> list[float]:
    if not vectors:
        return []
    import numpy as np  # on first use: start-up stays without numpy (about 15 MB)

    matrix = np.asarray(vectors, dtype=np.float32)
    q = np.asarray(query, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(q) or 1.0)
    return (matrix @ q / np.where(norms > 0, norms, 1.0)).tolist()
