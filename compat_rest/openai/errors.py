"""OpenAI's error dialect: `{"error": {"message", "type", "param", "code"}}`, plus Open
WebUI's `detail` with the same text."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.responses import JSONResponse, Response

from compat_rest.common import BadBody
from compat_rest.openwebui.errors import DIALECT
from compat_rest.streaming import body_error_text, dialect_endpoint
from resolvers.errors import DomainError

STATUS = {"model_not_found": 404, "model_access_denied": 403, "connection_not_found": 404,
          "model_required": 400}
_TYPES = {400: "invalid_request_error", 404: "invalid_request_error",
          413: "invalid_request_error", 422: "invalid_request_error",
          401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def error_body(message: str, status: int, code: str | None) -> dict:
    kind = _TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code},
            "detail": message}


def renderer(statuses: dict[str, int]) -> Callable[[DomainError], Response]:
    """OpenAI's error shape with these statuses (by reason) where they differ from Open
    WebUI's: the Ollama mount's OpenAI-compatible routes answer with its own."""
    def render(error: DomainError) -> Response:
        status, message = DIALECT.get(error.reason, (error.status, error.message))
        status = statuses.get(error.reason, status)
        retry_after = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return JSONResponse(error_body(message, status, error.reason), status_code=status,
                            headers=headers)
    return render


render = renderer(STATUS)


def bad_body(error: BadBody) -> Response:
    return JSONResponse(error_body(body_error_text(error), 400, "invalid_body"), status_code=400)


def frame(error: DomainError) -> bytes:
    """An error in the middle of an SSE stream: an error event, then the end marker."""
    body = error_body(error.message, error.status, error.reason)
    del body["detail"]
    return b"data: " + json.dumps(body).encode() + b"\n\ndata: [DONE]\n\n"


endpoint = dialect_endpoint(render, bad_body)
