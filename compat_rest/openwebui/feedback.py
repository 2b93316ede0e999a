"""Open WebUI's `/api/v1/evaluations` routes: feedback (thumbs, arena votes), the Elo
leaderboard and the arena settings, over Open WebUI's `feedback` and `config` rows.
Forms are Open WebUI's: a rating's known fields are always written (null when not sent),
other fields are kept as sent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import page_number, parse_body, query_int
from compat_rest.openwebui.errors import NOT_FOUND, endpoint
from data.tables import FeedbackRow, UserRow
from resolvers.context import Context
from resolvers.evaluations import arena, leaderboard
from resolvers.evaluations import feedback as feedbacks

V1 = "/api/v1/evaluations"
MAX_DAYS = 36500  # a bound on the days listed; Open WebUI has none
DIALECT = {"feedback_not_found": (404, NOT_FOUND), "invalid_feedback": 400}


class RatingData(BaseModel):
    model_config = ConfigDict(extra="allow", protected_namespaces=())
    rating: StrictStr | StrictInt | None = None
    model_id: StrictStr | None = None
    sibling_model_ids: list[StrictStr] | None = None
    reason: StrictStr | None = None
    comment: StrictStr | None = None


class MetaData(BaseModel):
    model_config = ConfigDict(extra="allow")
    arena: StrictBool | None = None
    chat_id: StrictStr | None = None
    message_id: StrictStr | None = None
    tags: list[StrictStr] | None = None


class SnapshotData(BaseModel):
    model_config = ConfigDict(extra="allow")
    chat: dict[str, Any] | None = None


class FeedbackForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: StrictStr
    data: RatingData | None = None
    meta: MetaData | None = None
    snapshot: SnapshotData | None = None

    def to_input(self) -> feedbacks.FeedbackInput:
        def dump(part: BaseModel | None) -> dict | None:
            return None if part is None else part.model_dump()
        return feedbacks.FeedbackInput(type=self.type, data=dump(self.data),
                                       meta=dump(self.meta), snapshot=dump(self.snapshot))


class ConfigForm(BaseModel):
    ENABLE_EVALUATION_ARENA_MODELS: StrictBool | None = None
    EVALUATION_ARENA_MODELS: list[dict[str, Any]] | None = None


def feedback_json(row: FeedbackRow, *, snapshot: bool = True) -> dict[str, Any]:
    out = {"id": row.id, "user_id": row.user_id, "version": row.version, "type": row.type,
           "data": row.data, "meta": row.meta, "created_at": row.created_at,
           "updated_at": row.updated_at}
    if snapshot:
        out["snapshot"] = row.snapshot
    return out


def _user(user: UserRow | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "last_active_at": user.last_active_at, "updated_at": user.updated_at,
            "created_at": user.created_at}


def _listed(page: feedbacks.FeedbackPage) -> list[dict[str, Any]]:
    return [dict(feedback_json(row, snapshot=False), user=_user(page.users.get(row.user_id)))
            for row in page.items]


@endpoint(overrides=DIALECT)
async def get_config(request: Request, ctx: Context) -> dict:
    found = await arena.get_arena_config(ctx)
    return {"ENABLE_EVALUATION_ARENA_MODELS": found["enabled"],
            "EVALUATION_ARENA_MODELS": found["models"]}


@endpoint(write=True, overrides=DIALECT)
async def update_config(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ConfigForm)
    found = await arena.update_arena_config(ctx, enabled=form.ENABLE_EVALUATION_ARENA_MODELS,
                                            models=form.EVALUATION_ARENA_MODELS)
    return {"ENABLE_EVALUATION_ARENA_MODELS": found["enabled"],
            "EVALUATION_ARENA_MODELS": found["models"]}


@endpoint(overrides=DIALECT)
async def all_feedback(request: Request, ctx: Context) -> list:
    return _listed(await feedbacks.list_all_feedback(ctx))


@endpoint(overrides=DIALECT)
async def all_feedback_ids(request: Request, ctx: Context) -> list:
    return [{"id": row.id, "user_id": row.user_id, "created_at": row.created_at,
             "updated_at": row.updated_at}
            for row in (await feedbacks.list_all_feedback(ctx)).items]


@endpoint(overrides=DIALECT)
async def feedback_models(request: Request, ctx: Context) -> list:
    return await feedbacks.feedback_model_ids(ctx)


@endpoint(overrides=DIALECT)
async def export_feedback(request: Request, ctx: Context) -> list:
    found = await feedbacks.list_all_feedback(ctx,
                                              model_id=request.query_params.get("model_id"))
    return [feedback_json(row) for row in found.items]


@endpoint(overrides=DIALECT)
async def feedback_page(request: Request, ctx: Context) -> dict:
    params = request.query_params
    page = await feedbacks.page_feedback(
        ctx, page=page_number(request, feedbacks.PAGE_SIZE) or 1,
        order_by=params.get("order_by"), direction=params.get("direction"),
        model_id=params.get("model_id"))
    return {"items": _listed(page), "total": page.total}


@endpoint(overrides=DIALECT)
async def own_feedback(request: Request, ctx: Context) -> list:
    """Open WebUI answers these without the snapshot and with `user` null."""
    return [dict(feedback_json(row, snapshot=False), user=None)
            for row in await feedbacks.list_own_feedback(ctx)]


@endpoint(write=True, overrides=DIALECT)
async def delete_own_feedback(request: Request, ctx: Context) -> bool:
    return await feedbacks.delete_own_feedback(ctx) > 0  # false when there was none


@endpoint(write=True, overrides=DIALECT)
async def delete_all_feedback(request: Request, ctx: Context) -> bool:
    return await feedbacks.delete_all_feedback(ctx) > 0


@endpoint(write=True, overrides=DIALECT)
async def create_feedback(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, FeedbackForm)
    return feedback_json(await feedbacks.create_feedback(ctx, form.to_input()))


@endpoint(overrides=DIALECT)
async def get_feedback(request: Request, ctx: Context) -> dict:
    return feedback_json(await feedbacks.get_feedback(ctx, request.path_params["id"]))


@endpoint(write=True, overrides=DIALECT)
async def update_feedback(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, FeedbackForm)
    row = await feedbacks.update_feedback(ctx, request.path_params["id"], form.to_input())
    return feedback_json(row)


@endpoint(write=True, overrides=DIALECT)
async def delete_feedback(request: Request, ctx: Context) -> bool:
    return await feedbacks.delete_feedback(ctx, request.path_params["id"])


@endpoint(overrides=DIALECT)
async def get_leaderboard(request: Request, ctx: Context) -> dict:
    entries = await leaderboard.get_leaderboard(ctx, query=request.query_params.get("query"))
    return {"entries": [{"model_id": e.model_id, "rating": e.rating, "won": e.won,
                         "lost": e.lost, "count": e.count, "top_tags": e.top_tags}
                        for e in entries]}


@endpoint(overrides=DIALECT)
async def get_history(request: Request, ctx: Context) -> dict:
    model_id = request.path_params["model_id"]
    days = query_int(request, "days", low=0, high=MAX_DAYS, default=30)
    return {"model_id": model_id,
            "history": await leaderboard.get_model_history(ctx, model_id, days=days)}


def routes() -> list[Route]:
    return [
        Route(f"{V1}/config", get_config, methods=["GET"]),
        Route(f"{V1}/config", update_config, methods=["POST"]),
        Route(f"{V1}/feedbacks/all", all_feedback, methods=["GET"]),
        Route(f"{V1}/feedbacks/all", delete_all_feedback, methods=["DELETE"]),
        Route(f"{V1}/feedbacks/all/export", export_feedback, methods=["GET"]),
        Route(f"{V1}/feedbacks/all/ids", all_feedback_ids, methods=["GET"]),
        Route(f"{V1}/feedbacks/models", feedback_models, methods=["GET"]),
        Route(f"{V1}/feedbacks/list", feedback_page, methods=["GET"]),
        Route(f"{V1}/feedbacks/user", own_feedback, methods=["GET"]),
        Route(f"{V1}/feedbacks", delete_own_feedback, methods=["DELETE"]),
        Route(f"{V1}/feedback", create_feedback, methods=["POST"]),
        Route(f"{V1}/feedback/{{id}}", get_feedback, methods=["GET"]),
        Route(f"{V1}/feedback/{{id}}", update_feedback, methods=["POST"]),
        Route(f"{V1}/feedback/{{id}}", delete_feedback, methods=["DELETE"]),
        Route(f"{V1}/leaderboard", get_leaderboard, methods=["GET"]),
        Route(f"{V1}/leaderboard/{{model_id:path}}/history", get_history, methods=["GET"]),
    ]
