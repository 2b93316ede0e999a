"""Domain errors. Each carries a stable `code` (the GraphQL extensions.code), a default
HTTP `status`, and a `reason` naming the exact failure so every surface can render it in
its own dialect (Open WebUI's detail texts live in compat_rest, not here)."""

from __future__ import annotations


class DomainError(Exception):
    code = "INTERNAL"
    status = 500

    def __init__(self, message: str, *, reason: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or self.code.lower()
        self.field = field


class Invalid(DomainError):
    code, status = "BAD_USER_INPUT", 400


class Unauthenticated(DomainError):
    code, status = "UNAUTHENTICATED", 401


class Forbidden(DomainError):
    code, status = "FORBIDDEN", 403


class NotFound(DomainError):
    code, status = "NOT_FOUND", 404


class Conflict(DomainError):
    code, status = "CONFLICT", 409


class RateLimited(DomainError):
    code, status = "RATE_LIMITED", 429

    def __init__(self, message: str, *, retry_after: int, reason: str | None = None):
        super().__init__(message, reason=reason)
        self.retry_after = retry_after


class Unavailable(DomainError):
    code, status = "UNAVAILABLE", 503


class UpstreamFailed(DomainError):
    code, status = "UPSTREAM_FAILED", 502
