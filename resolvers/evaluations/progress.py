"""A run's progress: cases done of all, and each model's mean score so far; published
on `evaluation:<id>` as the run goes, and followed by subscribers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from data.pubsub import evaluation_channel
from data.tables import EvaluationResultRow
from resolvers.context import Services

log = logging.getLogger("parley.evaluations")
ENDINGS = ("done", "stopped", "failed")


@dataclass
class Progress:
    evaluation_id: str
    total: int = 0
    done: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, result: EvaluationResultRow) -> None:
        self.done += 1
        if result.error is None:
            self.sums[result.model] = self.sums.get(result.model, 0.0) + result.score
            self.counts[result.model] = self.counts.get(result.model, 0) + 1

    def scores(self) -> dict[str, float]:
        return {model: round(self.sums[model] / n, 4) for model, n in self.counts.items()}

    def event(self, status: str = "running") -> dict[str, Any]:
        return {"evaluation_id": self.evaluation_id, "status": status, "done": self.done,
                "total": self.total, "scores": self.scores()}


async def publish(services: Services, event: dict[str, Any]) -> None:
    try:
        await services.pubsub.publish(evaluation_channel(event["evaluation_id"]), event)
    except Exception:  # the run goes on; the broker's trouble is logged
        log.exception("could not publish an evaluation's progress")
