"""Reading a multipart upload as it streams in: starlette's form parser (python-multipart)
spools the file part to a temporary file, while the body is counted here so that an
upload over the limit is refused (413) as soon as it passes the limit, never stored
whole. The request edge (compat_rest/edge.py) lets these bodies through unread."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

# Room for the multipart framing and the small form fields beside the file.
FORM_OVERHEAD = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BadUpload(Exception):
    """The body is not a usable upload; the message says why."""


@dataclass
class Upload:
    file: UploadFile
    fields: dict[str, str] = field(default_factory=dict)

    async def close(self) -> None:
        await self.file.close()


def _counted(request: Request, limit: int, timeout: float):
    receive, size = request.receive, 0

    async def counted() -> Message:
        nonlocal size
        try:
            async with asyncio.timeout(timeout):
                message = await receive()
        except TimeoutError:
            raise BodyTooSlow from None
        size += len(message.get("body", b""))
        if size > limit:
            raise BodyTooLarge
        return message

    return counted


async def read_upload(request: Request, *, file_limit: int, idle_seconds: float) -> Upload:
    """The `file` part and the text fields; each piece of the body must come within
    `idle_seconds`. Raises BodyTooLarge, BodyTooSlow or BadUpload."""
    limit = file_limit + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise BadUpload("Send the file as multipart/form-data, in a part named `file`.")
    counted = Request(request.scope, _counted(request, limit, idle_seconds))
    try:
        form = await counted.form(max_files=1, max_fields=16, max_part_size=FORM_OVERHEAD)
    except MultiPartException as error:
        raise BadUpload(f"The multipart body cannot be read: {error.message}") from None
    except ClientDisconnect:
        raise BadUpload("The client left before the whole file arrived.") from None
    file = form.get("file")
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if not isinstance(file, UploadFile):
        await form.close()
        raise BadUpload("The form has no file part named `file`.")
    return Upload(file, fields)


def metadata_field(raw: str | None) -> dict[str, Any]:
    """Open WebUI's optional `metadata` form field: a JSON object."""
    if raw is None or raw.strip() == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadUpload("Invalid metadata format") from None
    if not isinstance(value, dict):
        raise BadUpload("Invalid metadata format")
    return value
