"""The edge every HTTP request crosses before routing, authentication or a handler:

- a URL with a NUL character is refused (400): no surface could store or look it up;
- a REST write must send its body as JSON (`application/json` or a `+json` type such as
  SCIM's), or it is refused (415). Browsers send a cross-site form or a `no-cors` fetch
  (text/plain, form encodings, a body with no type) without asking first, with the
  user's cookie; a JSON body makes them ask (CORS preflight), which CORS then decides;
- a cookie-authenticated REST write from a page of another origin is refused (403): a
  bodiless POST (archive, pin, share) needs no JSON to act, and a sibling subdomain is
  "same-site", so SameSite=Lax cookies reach it;
- the body is read here, whole, within MAX_BODY_SIZE (413) and BODY_READ_TIMEOUT (408),
  so no handler, session or lock waits on a client that stalls. A client that leaves
  part-way is one log line.

Upload routes (`streamed` paths) take `multipart/form-data` as well, and their bodies
pass unread: the route streams the file to disk within its own size limit
(compat_rest/uploads.py) rather than holding it here within MAX_BODY_SIZE.

`/graphql` keeps its own rules for the second and third point (strawberry accepts only
JSON over POST and queries over GET).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("parley.http")

# (scope, status, text, headers) -> a response in the dialect of the request's path
Render = Callable[[Scope, int, str, dict[str, str] | None], Response]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NUL_IN_URL = "The URL contains a NUL character (%00); no name, id or value may contain one."
NOT_JSON = ("Send the request body as JSON: Content-Type application/json (or a +json "
            "type such as application/scim+json).")
CROSS_SITE = ("A page of another origin may not act with this browser's session cookie; "
              "send the token in an Authorization header, or add the page's origin to "
              "CORS_ALLOW_ORIGIN.")


def is_json_media(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                            and media.endswith("+json"))


def has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


def nul_in_url(scope: Scope) -> bool:
    # The server has decoded the path; the query string is raw, where only "%00" decodes
    # to NUL (a raw NUL byte is not valid in a request line).
    return "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")


class BodyReader:
    """Reads a request's whole body within `limit` bytes and `timeout` seconds; answers
    413 or 408 itself, and returns None when it did (or the client left)."""

    def __init__(self, limit: int, timeout: float, render: Render):
        self.limit, self.timeout, self.render = limit, timeout, render

    async def read(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, 413)
            return None
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        log.info("%s %s: the client left after %d bytes of its body",
                                 scope["method"], scope["path"], size)
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.limit:
                        await self._refuse(scope, receive, send, 413)
                        return None
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            log.info("%s %s: no whole body within %g s (%d bytes came); answered 408",
                     scope["method"], scope["path"], self.timeout, size)
            await self._refuse(scope, receive, send, 408)
            return None

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        text = (f"The request body is larger than {self.limit} bytes." if status == 413 else
                f"The request body did not arrive within {self.timeout:g} seconds.")
        # The rest of the body is never read: the connection cannot carry another request.
        response = self.render(scope, status, text, {"Connection": "close"})
        await response(scope, receive, send)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then the client's messages
    (its disconnect, which streaming answers watch for)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


class RequestEdge:
    """ASGI middleware applying the rules above; `exempt` paths (GraphQL) get only the
    URL and body rules. `cookie_origins` are the origins CORS_ALLOW_ORIGIN names."""

    def __init__(self, app: ASGIApp, *, limit: int, timeout: float, render: Render,
                 cookie_origins: Iterable[str], exempt: Sequence[str] = (),
                 writing_gets: Iterable[str] = (), streamed: Iterable[str] = ()):
        self.app, self.render, self.exempt = app, render, tuple(exempt)
        self.writing_gets = frozenset(writing_gets)
        self.streamed = frozenset(streamed)
        self.reader = BodyReader(limit, timeout, render)
        self.cookie_origins = {o.rstrip("/").lower() for o in cookie_origins if o != "*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            status, text = refusal
            # An unread body cannot be followed by another request on this connection.
            close = {"Connection": "close"} if has_body(headers) else None
            return await self.render(scope, status, text, close)(scope, receive, send)
        if not has_body(headers) or self._streamed_upload(scope, headers):
            return await self.app(scope, receive, send)
        body = await self.reader.read(scope, receive, send)
        if body is not None:
            await self.app(scope, replay(body, receive), send)

    def refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if nul_in_url(scope):
            return 400, NUL_IN_URL
        if scope["method"] in SAFE_METHODS:
            # A GET that acts (Open WebUI's sign-out) follows a cross-site link with the
            # Lax cookie, so it gets the cookie rule of a write.
            if scope["path"] in self.writing_gets and self._cookie_from_elsewhere(headers):
                return 403, CROSS_SITE
            return None
        if scope["path"].startswith(self.exempt):
            return None
        content_type = headers.get("content-type")
        if (content_type is None and has_body(headers)) or (
                content_type is not None and not is_json_media(content_type)
                and not self._streamed_upload(scope, headers)):
            return 415, NOT_JSON
        if self._cookie_from_elsewhere(headers):
            return 403, CROSS_SITE
        return None

    def _streamed_upload(self, scope: Scope, headers: Headers) -> bool:
        media = headers.get("content-type", "").partition(";")[0].strip().lower()
        return (scope["method"] == "POST" and scope["path"] in self.streamed
                and media == "multipart/form-data")

    def _cookie_from_elsewhere(self, headers: Headers) -> bool:
        """A write authenticated by the session cookie (no Authorization header wins
        over it) that a browser sent from a page of another origin."""
        if headers.get("authorization") or not cookie_parser(
                headers.get("cookie", "")).get("token"):
            return False
        origin = headers.get("origin")
        if origin is None:  # browsers name the origin of every cross-origin write
            return headers.get("sec-fetch-site") in ("cross-site", "same-site")
        if headers.get("sec-fetch-site") == "same-origin":
            return False
        normalized = origin.rstrip("/").lower()
        if normalized in self.cookie_origins:
            return False
        try:
            return urlsplit(normalized).netloc != headers.get("host", "").lower()
        except ValueError:  # not an origin at all
            return True
