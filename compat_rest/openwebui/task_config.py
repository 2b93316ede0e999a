"""Open WebUI's task settings routes: `GET /api/v1/tasks/config` (verified users) and
`POST /api/v1/tasks/config/update` (administrators), under Open WebUI's field names (a
setting's name in capitals). An update sends the whole form, as Open WebUI's does."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui.errors import endpoint
from resolvers.context import Context
from resolvers.tasks import settings as task_config


class TaskConfigForm(BaseModel):
    TASK_MODEL: str | None
    TASK_MODEL_EXTERNAL: str | None
    TASK_MODEL_PARAMS: dict[str, Any] | None = None
    ENABLE_TITLE_GENERATION: bool
    TITLE_GENERATION_PROMPT_TEMPLATE: str
    IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: str
    ENABLE_AUTOCOMPLETE_GENERATION: bool
    AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: int
    AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE: str
    TAGS_GENERATION_PROMPT_TEMPLATE: str
    FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: str
    ENABLE_FOLLOW_UP_GENERATION: bool
    ENABLE_TAGS_GENERATION: bool
    ENABLE_SEARCH_QUERY_GENERATION: bool
    ENABLE_RETRIEVAL_QUERY_GENERATION: bool
    QUERY_GENERATION_PROMPT_TEMPLATE: str
    TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: str
    ENABLE_VOICE_MODE_PROMPT: bool
    VOICE_MODE_PROMPT_TEMPLATE: str | None


def _json(settings: dict[str, Any]) -> dict[str, Any]:
    return {name.upper(): value for name, value in settings.items()}


@endpoint()
async def get_config(request: Request, ctx: Context) -> dict:
    return _json(await task_config.get_task_config(ctx))


@endpoint(write=True)
async def update_config(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, TaskConfigForm)
    changes = {name.lower(): value for name, value in form.model_dump().items()}
    return _json(await task_config.update_task_config(ctx, changes))


def routes() -> list[Route]:
    return [Route("/api/v1/tasks/config", get_config, methods=["GET"]),
            Route("/api/v1/tasks/config/update", update_config, methods=["POST"])]
