"""How failures reach GraphQL clients.

Failures a client is expected to handle (a wrong password, a taken e-mail) are members of
a mutation's result union, implementing `MutationError`. Every other DomainError becomes a
GraphQL error with `extensions.code` (plus `reason`, and `field` when one input is to
blame). Anything else is a bug: it is logged and reaches the client only as
"Unexpected error." with code INTERNAL.
"""

import logging
from typing import ClassVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.exceptions import InvalidOperationTypeError

from resolvers.errors import DomainError, RateLimited

log = logging.getLogger("parley.graphql")

UNEXPECTED = "Unexpected error."
# Strawberry runs only subscriptions over the legacy protocol (graphql-transport-ws and
# HTTP carry every operation; HTTP refuses a subscription before it gets here).
SUBSCRIPTIONS_ONLY = ("Only subscriptions run over the legacy graphql-ws protocol; send "
                      "queries and mutations over HTTP or graphql-transport-ws.")


def camel(name: str) -> str:
    """Domain field names are snake_case; clients know the GraphQL (camelCase) names."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def is_unexpected(error: GraphQLError) -> bool:
    """A bug rather than a client's mistake: an exception that is neither a DomainError
    nor one of graphql-core's or strawberry's own messages about the request."""
    original = error.original_error
    return original is not None and not isinstance(
        original, (DomainError, GraphQLError, StrawberryInputCoercionError,
                   InvalidOperationTypeError))


def domain_extensions(error: DomainError) -> dict[str, object]:
    extensions: dict[str, object] = {"code": error.code, "reason": error.reason}
    if error.field:
        extensions["field"] = camel(error.field)
    if isinstance(error, RateLimited):
        extensions["retryAfter"] = error.retry_after
    problems = getattr(error, "problems", None)  # every problem of a pipeline, listed
    if problems is not None:
        extensions["problems"] = [{"step": p.step, "field": p.field, "message": p.message}
                                  for p in problems]
    return extensions


def formatted(error: GraphQLError, *, validation: bool = False) -> GraphQLError:
    """A copy of `error` fit for the client, always with `extensions.code`. Copies, never
    edits: the validation cache hands the same error objects to many requests."""
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    message, extensions = error.message, {}
    if isinstance(original, DomainError):
        message, extensions = original.message, domain_extensions(original)
    elif is_unexpected(error):
        message, extensions = UNEXPECTED, {"code": "INTERNAL"}
    elif isinstance(original, InvalidOperationTypeError):
        message, extensions = SUBSCRIPTIONS_ONLY, {"code": "BAD_REQUEST"}
    elif isinstance(error, GraphQLSyntaxError):
        extensions = {"code": "GRAPHQL_PARSE_FAILED"}
    elif validation:
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
    elif error.path is None:  # variables that do not fit their declared types
        extensions = {"code": "BAD_USER_INPUT"}
    else:  # e.g. a null where the schema promised a value: ours to fix, safe to say
        extensions = {"code": "INTERNAL"}
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, extensions=extensions)


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            original = error.original_error
            log.error("GraphQL %s failed: %r", error.path or "operation", original,
                      exc_info=(type(original), original, original.__traceback__))


@strawberry.interface(description="A failure the client is expected to handle, returned as "
                                  "a member of a mutation's result union.")
class MutationError:
    message: str = strawberry.field(description="What went wrong, for people.")
    code: str = strawberry.field(description="A stable code, the same vocabulary as "
                                             "`extensions.code` on errors (e.g. CONFLICT).")

    reasons: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_error(cls, error: DomainError) -> "MutationError":
        return cls(message=error.message, code=cls.code_for(error))

    @classmethod
    def code_for(cls, error: DomainError) -> str:
        return error.code


@strawberry.type(description="The e-mail address or password is wrong.")
class InvalidCredentials(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"invalid_credentials"})


@strawberry.type(description="Another account already uses this e-mail address.")
class EmailTaken(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"email_taken"})

    @classmethod
    def code_for(cls, error: DomainError) -> str:
        return "CONFLICT"  # the resolver's Invalid means "pick another value", a conflict


@strawberry.type(description="This server does not accept new accounts.")
class SignUpClosed(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"signup_disabled"})


@strawberry.type(description="The current password given is not the account's password.")
class IncorrectPassword(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"incorrect_password"})


@strawberry.type(description="Too many attempts; wait `retryAfter` seconds.")
class RateLimitExceeded(MutationError):
    retry_after: int = strawberry.field(description="Seconds to wait before trying again.")
    reasons: ClassVar[frozenset[str]] = frozenset({"rate_limited"})

    @classmethod
    def from_error(cls, error: DomainError) -> MutationError:
        wait = error.retry_after if isinstance(error, RateLimited) else 60
        return cls(message=error.message, code=error.code, retry_after=wait)


def expected(ctx, error: DomainError, *failures: type[MutationError]) -> MutationError:
    """The union member for `error` when one of `failures` handles its reason (and the
    operation's writes are rolled back: the resolver stopped part-way); else re-raise."""
    for failure in failures:
        if error.reason in failure.reasons:
            ctx.failed = True
            return failure.from_error(error)
    raise error
