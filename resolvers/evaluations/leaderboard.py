"""Open WebUI's arena leaderboard, computed from feedback on each call exactly as Open
WebUI's server computes it: every feedback in the table's own order (Open WebUI asks
without ORDER BY; we ask the same database the same way), each model starting at 1000,
K = 32; `str(rating)` "1" is a win of `model_id` over each of `sibling_model_ids`, "-1"
a loss, anything else (1.0 too) counts for nothing; ratings rounded as Python rounds.
A `query` weights each vote by how near its tags are to the query, by the configured
embedding model (Open WebUI compares the same texts' embeddings)."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from data.repos.feedback import FeedbackRepo, Vote
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import DomainError
from resolvers.permissions import require_admin
from resolvers.retrieval.chunks import embed_texts

log = logging.getLogger("parley.evaluations")
K_FACTOR, START = 32, 1000.0
TOP_TAGS = 5


@dataclass
class Stats:
    rating: float = START
    won: int = 0
    lost: int = 0


@dataclass(frozen=True)
class LeaderboardEntry:
    model_id: str
    rating: int
    won: int
    lost: int
    count: int
    top_tags: list[dict[str, Any]] = field(default_factory=list)


def _data(vote: Vote) -> dict[str, Any]:
    return vote.data if isinstance(vote.data, dict) else {}


def compute_stats(votes: Sequence[Vote], weights: dict[str, float] | None = None
                  ) -> dict[str, Stats]:
    stats: dict[str, Stats] = {}
    for vote in votes:
        data = _data(vote)
        winner_id, rating = data.get("model_id"), str(data.get("rating", ""))
        if not winner_id or not isinstance(winner_id, str) or rating not in ("1", "-1"):
            continue
        won = rating == "1"
        weight = weights.get(vote.id, 1.0) if weights else 1.0
        for opponent_id in data.get("sibling_model_ids") or []:
            if not isinstance(opponent_id, str):
                continue
            winner = stats.setdefault(winner_id, Stats())
            opponent = stats.setdefault(opponent_id, Stats())
            expected = 1 / (1 + 10 ** ((opponent.rating - winner.rating) / 400))
            winner.rating += K_FACTOR * ((1 if won else 0) - expected) * weight
            opponent.rating += K_FACTOR * ((0 if won else 1) - (1 - expected)) * weight
            winner.won, winner.lost = winner.won + won, winner.lost + (not won)
            opponent.won, opponent.lost = opponent.won + (not won), opponent.lost + won
    return stats


def top_tags(votes: Sequence[Vote]) -> dict[str, list[dict[str, Any]]]:
    """Each rated model's most frequent tags (of every feedback naming it as model_id)."""
    counts: dict[str, Counter] = {}
    for vote in votes:
        data = _data(vote)
        if data.get("model_id") and isinstance(data["model_id"], str):
            tags = data.get("tags") or []
            counts.setdefault(data["model_id"], Counter()).update(
                t for t in tags if isinstance(t, str))
    return {model: [{"tag": t, "count": n} for t, n in found.most_common(TOP_TAGS)]
            for model, found in counts.items()}


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=False)) / (norms + 1e-9)


async def tag_weights(ctx: Context, votes: Sequence[Vote], query: str) -> dict[str, float]:
    """Each vote's best tag's cosine similarity to the query; {} (no weighting) when no
    vote has tags or the embedding engine fails, as in Open WebUI."""
    tags = sorted({t for v in votes for t in _data(v).get("tags") or [] if isinstance(t, str)})
    if not tags:
        return {}
    try:
        vectors = await embed_texts(ctx, [query, *tags])
    except DomainError as error:
        log.warning("leaderboard query not weighted: %s", error.message)
        return {}
    near = {tag: _cosine(vectors[0], vector) for tag, vector in zip(tags, vectors[1:],
                                                                     strict=True)}
    return {v.id: max((near.get(t, 0.0) for t in _data(v).get("tags") or []
                       if isinstance(t, str)), default=0.0) for v in votes}


async def get_leaderboard(ctx: Context, *, query: str | None = None) -> list[LeaderboardEntry]:
    """Administrators. Highest rating first (ties in order of first appearance)."""
    await require_admin(ctx)
    votes = await FeedbackRepo(ctx.session).votes()
    weights = await tag_weights(ctx, votes, query.strip()) if query and query.strip() else None
    tags = top_tags(votes)
    entries = [LeaderboardEntry(model, round(s.rating), s.won, s.lost, s.won + s.lost,
                                tags.get(model, []))
               for model, s in compute_stats(votes, weights).items()]
    return sorted(entries, key=lambda e: e.rating, reverse=True)


async def get_model_history(ctx: Context, model_id: str, *, days: int = 30
                            ) -> list[dict[str, Any]]:
    """Administrators: the model's wins and losses (votes naming it as model_id) per UTC
    day over the last `days` days, oldest first, every day listed; 0: since its first."""
    await require_admin(ctx)
    now = now_s()
    since = None if days == 0 else now - days * 86400
    tally: dict[dt.date, list[int]] = {}
    for created_at, data in await FeedbackRepo(ctx.session).dated(since=since):
        rating = str(data.get("rating", "")) if isinstance(data, dict) else ""
        if not isinstance(data, dict) or data.get("model_id") != model_id or rating not in (
                "1", "-1"):
            continue
        day = dt.datetime.fromtimestamp(created_at, dt.UTC).date()
        tally.setdefault(day, [0, 0])[0 if rating == "1" else 1] += 1
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    if days == 0:
        first = min(tally, default=None)
        span = (today - first).days + 1 if first else 0
    else:
        first, span = today - dt.timedelta(days=days - 1), max(days, 0)
    days_listed = [first + dt.timedelta(days=i) for i in range(span)] if first else []
    return [{"date": d.isoformat(), "won": tally.get(d, [0, 0])[0],
             "lost": tally.get(d, [0, 0])[1]} for d in days_listed]
