"""Reading evaluations, feedback and the leaderboard."""

from typing import Annotated

import strawberry

from resolvers.evaluations import feedback, leaderboard, sets
from schema.context import Info
from schema.evaluations.types import Evaluation, Feedback, LeaderboardEntry
from schema.pagination import Connection, offset_connection, start_after


@strawberry.type
class EvaluationQueries:
    @strawberry.field(description="Your evaluations (administrators: everyone's), newest "
                                  "first, a page at a time.")
    async def evaluations(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {sets.MAX_PAGE}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
    ) -> Connection[Evaluation]:
        offset = start_after("evaluations", after)
        rows = await sets.list_evaluations(info.context, offset=offset, limit=first)
        total = await sets.count_evaluations(info.context)
        return offset_connection("evaluations", rows, offset=offset, total=total,
                                 node=lambda row: Evaluation.from_row(info, row))

    @strawberry.field(description="One evaluation (its owner or an administrator).")
    async def evaluation(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The evaluation.")],
    ) -> Evaluation:
        return Evaluation.from_row(info, await sets.get_evaluation(info.context, str(id)))

    @strawberry.field(description="Your feedback, newest change first.")
    async def my_feedback(self, info: Info) -> list[Feedback]:
        return [Feedback.from_row(r) for r in await feedback.list_own_feedback(info.context)]

    @strawberry.field(description="Everyone's feedback (administrators), 30 a page.")
    async def all_feedback(
        self, info: Info,
        page: Annotated[int, strawberry.argument(description="From 1.")] = 1,
    ) -> list[Feedback]:
        found = await feedback.page_feedback(info.context, page=page)
        return [Feedback.from_row(r) for r in found.items]

    @strawberry.field(description="The arena leaderboard (administrators): Elo from rating "
                                  "feedback, as Open WebUI computes it.")
    async def leaderboard(
        self, info: Info,
        query: Annotated[str | None, strawberry.argument(
            description="Weight votes by how close their tags are to this.")] = None,
    ) -> list[LeaderboardEntry]:
        entries = await leaderboard.get_leaderboard(info.context, query=query)
        return [LeaderboardEntry.from_entry(e) for e in entries]
