"""Open WebUI's `/api/v1/functions` routes and the documented short `/api/functions`
routes over resolvers/functions. Open WebUI's statuses: an unknown function is 401 with
NOT_FOUND on its id routes, a taken or non-identifier id and code that does not load are
400; a worker that cannot be had is 503."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body, read_json
from compat_rest.openwebui.errors import NOT_FOUND, endpoint
from data.tables import FunctionHistoryRow, FunctionRow, UserRow
from resolvers.context import Context
from resolvers.functions import records, valves

V1 = "/api/v1/functions"
SHORT = "/api/functions"
DIALECT = {
    "function_not_found": (401, NOT_FOUND),
    "id_taken": (400, "Uh-oh! This id is already registered. Please choose another id "
                      "string."),
    "function_inactive": (400, NOT_FOUND),
}


class FunctionForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: StrictStr
    name: StrictStr
    content: StrictStr
    meta: dict[str, Any] = {}
    commit_message: StrictStr | None = None


def function_response(row: FunctionRow) -> dict[str, Any]:
    """Open WebUI's FunctionResponse: everything but the code and the valves."""
    return {"id": row.id, "user_id": row.user_id, "type": row.type, "name": row.name,
            "meta": row.meta or {}, "is_active": bool(row.is_active),
            "is_global": bool(row.is_global), "version_id": row.version_id,
            "updated_at": row.updated_at, "created_at": row.created_at}


def function_model(row: FunctionRow) -> dict[str, Any]:
    return function_response(row) | {"content": row.content}


def _owner(user: UserRow | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role}


def history_json(row: FunctionHistoryRow) -> dict[str, Any]:
    return {"id": row.id, "function_id": row.function_id, "parent_id": row.parent_id,
            "snapshot": row.snapshot, "user_id": row.user_id,
            "commit_message": row.commit_message, "created_at": row.created_at}


def _input(form: FunctionForm) -> records.FunctionInput:
    return records.FunctionInput(id=form.id, name=form.name, content=form.content,
                                 meta=form.meta, commit_message=form.commit_message)


def _id(request: Request) -> str:
    return request.path_params["function_id"]


@endpoint(overrides=DIALECT)
async def list_functions(request: Request, ctx: Context) -> list[dict]:
    return [function_response(row) for row in await records.list_functions(ctx)]


@endpoint(overrides=DIALECT)
async def list_functions_admin(request: Request, ctx: Context) -> list[dict]:
    rows, owners = await records.list_functions_with_owners(ctx)
    return [function_response(row) | {"user": _owner(owners.get(row.user_id))}
            for row in rows]


@endpoint(overrides=DIALECT)
async def export_functions(request: Request, ctx: Context) -> list[dict]:
    include = request.query_params.get("include_valves", "").lower() in ("true", "1")
    found = await valves.export_functions(ctx, include_valves=include)
    return [function_model(row) | ({"valves": opened} if include else {})
            for row, opened in found]


@endpoint(write=True, overrides=DIALECT)
async def create_function(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, FunctionForm)
    return function_response(await records.create_function(ctx, _input(form)))


@endpoint(overrides=DIALECT)
async def get_function(request: Request, ctx: Context) -> dict:
    return function_model(await records.get_function(ctx, _id(request)))


@endpoint(write=True, overrides=DIALECT)
async def update_function(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, FunctionForm)
    return function_model(await records.update_function(ctx, _id(request), _input(form)))


@endpoint(write=True, overrides=DIALECT)
async def delete_function(request: Request, ctx: Context) -> bool:
    return await records.delete_function(ctx, _id(request))


@endpoint(write=True, overrides=DIALECT)
async def toggle_function(request: Request, ctx: Context) -> dict:
    return function_model(await records.toggle_function(ctx, _id(request)))


@endpoint(write=True, overrides=DIALECT)
async def toggle_global(request: Request, ctx: Context) -> dict:
    return function_model(await records.toggle_function(ctx, _id(request),
                                                        field_name="is_global"))


@endpoint(overrides=DIALECT)
async def history(request: Request, ctx: Context) -> list[dict]:
    return [history_json(row) for row in await records.function_history(ctx, _id(request))]


@endpoint(overrides=DIALECT)
async def get_valves(request: Request, ctx: Context) -> dict:
    return await valves.get_valves(ctx, _id(request))


@endpoint(overrides=DIALECT)
async def valves_spec(request: Request, ctx: Context) -> dict | None:
    return await valves.valves_spec(ctx, _id(request))


@endpoint(write=True, overrides=DIALECT)
async def update_valves(request: Request, ctx: Context) -> dict:
    return await valves.update_valves(ctx, _id(request), await read_json(request))


@endpoint(overrides=DIALECT)
async def get_user_valves(request: Request, ctx: Context) -> dict:
    return await valves.get_user_valves(ctx, _id(request))


@endpoint(overrides=DIALECT)
async def user_valves_spec(request: Request, ctx: Context) -> dict | None:
    return await valves.valves_spec(ctx, _id(request), user=True)


@endpoint(write=True, overrides=DIALECT)
async def update_user_valves(request: Request, ctx: Context) -> dict:
    return await valves.update_user_valves(ctx, _id(request), await read_json(request))


def routes() -> list[Route]:
    one = f"{V1}/id/{{function_id}}"
    short = f"{SHORT}/{{function_id}}"
    return [
        Route(V1, list_functions, methods=["GET"]),
        Route(f"{V1}/list", list_functions_admin, methods=["GET"]),
        Route(f"{V1}/export", export_functions, methods=["GET"]),
        Route(f"{V1}/create", create_function, methods=["POST"]),
        Route(one, get_function, methods=["GET"]),
        Route(f"{one}/update", update_function, methods=["POST"]),
        Route(f"{one}/delete", delete_function, methods=["DELETE"]),
        Route(f"{one}/toggle", toggle_function, methods=["POST"]),
        Route(f"{one}/toggle/global", toggle_global, methods=["POST"]),
        Route(f"{one}/history", history, methods=["GET"]),
        Route(f"{one}/valves", get_valves, methods=["GET"]),
        Route(f"{one}/valves/spec", valves_spec, methods=["GET"]),
        Route(f"{one}/valves/update", update_valves, methods=["POST"]),
        Route(f"{one}/valves/user", get_user_valves, methods=["GET"]),
        Route(f"{one}/valves/user/spec", user_valves_spec, methods=["GET"]),
        Route(f"{one}/valves/user/update", update_user_valves, methods=["POST"]),
        # The documented short routes.
        Route(SHORT, list_functions, methods=["GET"]),
        Route(SHORT, create_function, methods=["POST"]),
        Route(short, get_function, methods=["GET"]),
        Route(short, update_function, methods=["POST"]),
        Route(short, delete_function, methods=["DELETE"]),
        Route(f"{short}/toggle", toggle_function, methods=["POST"]),
    ]
