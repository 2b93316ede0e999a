"""Open WebUI's arena leaderboard, computed from rating feedback on each call, exactly as
Open WebUI computes it: feedback newest first, every model starts at 1000, K = 32; a
rating of 1 is a win of `model_id` over each of `sibling_model_ids`, -1 a loss, any
other rating counts for nothing. A model first seen in a feedback keeps its starting
rating for every sibling of that feedback (Open WebUI reads it once), which we keep."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from data.repos.feedback import FeedbackRepo
from data.tables import FeedbackRow
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.permissions import require_admin

K_FACTOR, START = 32, 1000.0
TOP_TAGS = 5
MAX_DAYS = 366


@dataclass
class Stats:
    rating: float = START
    won: int = 0
    lost: int = 0
    tags: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class LeaderboardEntry:
    model_id: str
    rating: int
    won: int
    lost: int
    count: int
    top_tags: list[dict[str, Any]]


def outcome_of(data: Any) -> float | None:
    """1 for a thumbs-up, 0 for a thumbs-down, None for anything else (as `String(rating)`
    in Open WebUI's client: 1, "1" and 1.0 are a win)."""
    if not isinstance(data, dict) or not isinstance(data.get("model_id"), str):
        return None
    rating = data.get("rating")
    if isinstance(rating, float) and rating.is_integer():
        rating = int(rating)
    if isinstance(rating, bool):
        return None
    return {"1": 1.0, "-1": 0.0}.get(str(rating))


def _change(rating: float, other: float, outcome: float, weight: float) -> float:
    expected = 1 / (1 + 10 ** ((other - rating) / 400))
    return K_FACTOR * (outcome - expected) * weight


def compute_stats(feedback: Iterable[FeedbackRow], weights: dict[str, float] | None = None
                  ) -> dict[str, Stats]:
    stats: dict[str, Stats] = {}
    for row in feedback:
        outcome = outcome_of(row.data)
        if outcome is None:
            continue
        model_a = row.data["model_id"]
        weight = 1.0 if weights is None else weights.get(row.id, 0.0)
        # Open WebUI reads A's stats once per feedback: a new model's object is a
        # throwaway, so every sibling of this feedback sees A at 1000.
        seen_a = stats.get(model_a) or Stats()
        for model_b in row.data.get("sibling_model_ids") or []:
            if not isinstance(model_b, str):
                continue
            rating_b = stats[model_b].rating if model_b in stats else START
            change_a = _change(seen_a.rating, rating_b, outcome, weight)
            change_b = _change(rating_b, seen_a.rating, 1 - outcome, weight)
            _update(stats, model_a, change_a, outcome, row.data)
            _update(stats, model_b, change_b, 1 - outcome, None)
    return stats


def _update(stats: dict[str, Stats], model: str, change: float, outcome: float,
            data: dict | None) -> None:
    entry = stats.setdefault(model, Stats())
    entry.rating += change
    entry.won += outcome == 1
    entry.lost += outcome == 0
    tags = data.get("tags") if data else None
    entry.tags.update(t for t in tags or [] if isinstance(t, str))


def _js_round(value: float) -> int:
    """JavaScript's Math.round (halves up), which Open WebUI's numbers come from."""
    return math.floor(value + 0.5)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def tag_weights(feedback: Sequence[FeedbackRow], query: str) -> dict[str, float]:
    """How close each feedback's tags are to the query, 0 to 1 (the best tag's word
    overlap). Open WebUI's client compares embeddings of the same texts instead."""
    asked = _words(query)
    weights = {}
    for row in feedback:
        tags = (row.data or {}).get("tags") if isinstance(row.data, dict) else None
        scores = [len(asked & _words(t)) / len(asked | _words(t))
                  for t in tags or [] if isinstance(t, str) and (asked | _words(t))]
        weights[row.id] = max(scores, default=0.0)
    return weights


async def get_leaderboard(ctx: Context, *, query: str | None = None) -> list[LeaderboardEntry]:
    """Administrators. Highest rating first; `query` weights each vote by its tags."""
    await require_admin(ctx)
    feedback = await FeedbackRepo(ctx.session).all(ratings_only=True)
    weights = tag_weights(feedback, query) if query and query.strip() else None
    stats = compute_stats(feedback, weights)
    entries = [LeaderboardEntry(model, _js_round(s.rating), s.won, s.lost, s.won + s.lost,
                                [{"tag": t, "count": n} for t, n in s.tags.most_common(TOP_TAGS)])
               for model, s in stats.items()]
    return sorted(entries, key=lambda e: (-e.rating, e.model_id))


async def get_model_history(ctx: Context, model_id: str, *, days: int = 30
                            ) -> list[dict[str, Any]]:
    """Administrators: the model's wins and losses per UTC day, the last `days` days
    (oldest first, every day listed)."""
    await require_admin(ctx)
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"days must be 1 to {MAX_DAYS}.", reason="invalid_days", field="days")
    today = dt.datetime.fromtimestamp(now_s(), dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    tally = {first + dt.timedelta(days=i): [0, 0] for i in range(days)}
    for row in await FeedbackRepo(ctx.session).all(ratings_only=True):
        outcome = outcome_of(row.data)
        day = dt.datetime.fromtimestamp(row.created_at, dt.UTC).date()
        if outcome is None or day not in tally:
            continue
        siblings = [m for m in row.data.get("sibling_model_ids") or [] if isinstance(m, str)]
        if row.data["model_id"] == model_id:
            tally[day][0 if outcome == 1 else 1] += len(siblings)
        tally[day][1 if outcome == 1 else 0] += siblings.count(model_id)
    return [{"date": day.isoformat(), "won": won, "lost": lost}
            for day, (won, lost) in tally.items()]
