"""Ollama's error dialect: `{"error": "..."}`, plus Open WebUI's `detail` with the same
text, and Open WebUI's statuses for its Ollama routes."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse, Response

from compat_rest.common import BadBody
from compat_rest.openwebui.errors import DIALECT
from compat_rest.streaming import body_error_text, dialect_endpoint
from resolvers.errors import DomainError

# reason -> status on these routes, where it differs from the error's own
STATUS = {"model_not_found": 400, "model_access_denied": 403, "connection_not_found": 404,
          "model_required": 400}


def error_body(message: str) -> dict:
    return {"error": message, "detail": message}


def render(error: DomainError) -> Response:
    status, message = DIALECT.get(error.reason, (error.status, error.message))
    status = STATUS.get(error.reason, status)
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse(error_body(message), status_code=status, headers=headers)


def bad_body(error: BadBody) -> Response:
    return JSONResponse(error_body(body_error_text(error)), status_code=400)


def frame(error: DomainError) -> bytes:
    """An error in the middle of an NDJSON stream: one more line, as Ollama writes it."""
    return json.dumps(error_body(error.message)).encode() + b"\n"


endpoint = dialect_endpoint(render, bad_body)
