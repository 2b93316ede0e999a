"""Task control: Open WebUI's `/api/tasks` routes (listing, stopping), plus the
documented `POST /api/tasks` (start a completion in the background; follow it with
GraphQL's `chatCompletion(taskId:)`), `GET /api/tasks/:id` and `POST /api/tasks/:id/stop`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui.errors import NOT_FOUND, endpoint
from resolvers.completions import chat_completions
from resolvers.completions import tasks as completion_tasks
from resolvers.context import Context
from resolvers.errors import NotFound
from resolvers.tasks import tasks


def task_json(task: tasks.TaskInfo) -> dict:
    return {"id": task.id, "kind": task.kind, "user_id": task.user_id, "model": task.model,
            "route": task.route, "chat_id": task.chat_id, "started_at": int(task.started_at),
            "stopping": task.stopping}


@endpoint()
async def list_tasks(request: Request, ctx: Context) -> dict:
    found = await tasks.list_tasks(ctx)
    return {"tasks": [t.id for t in found], "items": [task_json(t) for t in found]}


class TaskForm(BaseModel):
    """An OpenAI chat body; other fields are sent on."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[dict[str, Any]]


@endpoint()
async def start_task(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, TaskForm)
    task = await completion_tasks.start_completion_task(
        ctx, form.model_dump(exclude_unset=True), route=request.url.path)
    return {"status": True, "task_id": task.id, "task": task_json(task)}


@endpoint()
async def get_task(request: Request, ctx: Context) -> dict:
    return task_json(await tasks.get_task(ctx, request.path_params["task_id"]))


@endpoint()
async def stop_task(request: Request, ctx: Context) -> dict:
    """Open WebUI answers 200 with `status: false` for a task it does not know."""
    task_id = request.path_params["task_id"]
    try:
        await tasks.stop_task(ctx, task_id)
    except NotFound:
        return {"status": False, "message": f"Task {task_id} not found."}
    return {"status": True, "message": f"Task {task_id} stopped."}


@endpoint()
async def chat_tasks(request: Request, ctx: Context) -> dict:
    found = await tasks.list_tasks(ctx, chat_id=request.path_params["chat_id"])
    return {"task_ids": [t.id for t in found]}


@endpoint(write=True, overrides={"chat_not_found": (404, NOT_FOUND)})
async def stop_chat_tasks(request: Request, ctx: Context) -> dict:
    chat_id = request.path_params["chat_id"]
    await chat_completions.stop_chat(ctx, chat_id)
    return {"status": True, "message": f"Stopped the tasks of chat {chat_id}."}


def routes() -> list[Route]:
    return [
        Route("/api/tasks", list_tasks, methods=["GET"]),
        Route("/api/tasks", start_task, methods=["POST"]),
        Route("/api/tasks/stop/{task_id}", stop_task, methods=["POST"]),
        Route("/api/tasks/chat/{chat_id}", chat_tasks, methods=["GET"]),
        Route("/api/tasks/chat/{chat_id}/stop", stop_chat_tasks, methods=["POST"]),
        Route("/api/tasks/{task_id}", get_task, methods=["GET"]),
        Route("/api/tasks/{task_id}/stop", stop_task, methods=["POST"]),
    ]
