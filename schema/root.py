"""The schema: Query and Mutation composed from the domain folders, built once per app.

Modules that declare strawberry types or fields do not use `from __future__ import
annotations`: strawberry reads each string annotation by parsing, rewriting and evaluating
it, about 0.1 s of every start-up for this schema, where Python evaluates a plain one as
part of the class. A name not yet defined (the class itself, in its `from_row`) is quoted.
tests/schema/test_annotations_evaluated.py holds it."""

import functools
from collections.abc import Iterable
from typing import Any, Protocol

import strawberry
from graphql import GraphQLError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types.graphql import OperationType

from schema.audio.mutations import AudioMutations
from schema.auth.mutations import AuthMutations
from schema.auth.queries import AuthQueries
from schema.chats.mutations.chats import ChatMutations
from schema.chats.mutations.extras import ChatExtrasMutations
from schema.chats.mutations.messages import MessageMutations
from schema.chats.queries import ChatQueries
from schema.chats.subscriptions import ChatSubscriptions
from schema.completions.mutations import CompletionMutations
from schema.completions.subscriptions import CompletionFollowing, CompletionSubscriptions
from schema.errors import log_unexpected
from schema.evaluations.mutations import EvaluationMutations
from schema.evaluations.queries import EvaluationQueries
from schema.evaluations.subscriptions import EvaluationSubscriptions
from schema.execution import PlainFieldsExecutor
from schema.extensions import extensions_for
from schema.files.mutations import FileMutations
from schema.files.queries import FileQueries
from schema.files.subscriptions import FileSubscriptions
from schema.functions.mutations import FunctionMutations
from schema.functions.queries import FunctionQueries
from schema.groups.queries import GroupQueries
from schema.images.mutations import ImageMutations, ImageSubscriptions
from schema.knowledge.mutations import KnowledgeMutations
from schema.knowledge.queries import KnowledgeQueries
from schema.memories.mutations import MemoryMutations
from schema.memories.queries import MemoryQueries
from schema.models.mutations import ModelMutations
from schema.models.queries import ModelQueries
from schema.pipelines.mutations import PipelineMutations
from schema.pipelines.queries import PipelineQueries
from schema.pipelines.subscriptions import PipelineSubscriptions
from schema.retrieval.queries import RetrievalQueries
from schema.tasks.config import TaskConfigMutations, TaskConfigQueries
from schema.tasks.queries import TaskMutations, TaskQueries
from schema.users.mutations import UserMutations
from schema.users.queries import UserQueries
from schema.users.settings import SettingsMutations, SettingsQueries


@strawberry.type(description="Everything a client can read.")
class Query(AuthQueries, UserQueries, ChatQueries, GroupQueries, ModelQueries, TaskQueries,
            TaskConfigQueries, SettingsQueries, FileQueries, MemoryQueries, KnowledgeQueries,
            FunctionQueries, RetrievalQueries,
            PipelineQueries, EvaluationQueries):
    pass


@strawberry.type(description="Everything a client can change. Each mutation takes one "
                             "`input` and is one transaction.")
class Mutation(AuthMutations, UserMutations, ChatMutations, MessageMutations, ModelMutations,
               TaskMutations, TaskConfigMutations, CompletionMutations, SettingsMutations,
               ChatExtrasMutations, FileMutations, MemoryMutations, KnowledgeMutations,
               FunctionMutations, AudioMutations, ImageMutations,
               PipelineMutations, EvaluationMutations):
    pass


@strawberry.type(description="What a client can follow over a WebSocket.")
class Subscription(ChatSubscriptions, CompletionSubscriptions, CompletionFollowing,
                   FileSubscriptions, ImageSubscriptions,
                   PipelineSubscriptions, EvaluationSubscriptions):
    pass


class GraphQLLimits(Protocol):
    """The part of the process settings the schema reads."""

    graphql_max_depth: int
    graphql_max_aliases: int
    graphql_max_tokens: int


class ParleySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        # Strawberry logs every error with its traceback; a wrong password or a bad query
        # is the client's business, so only bugs reach the log.
        log_unexpected(errors)

    async def execute(self, query: str | None, *args: Any,
                      allowed_operation_types: Iterable[OperationType] | None = None,
                      **kwargs: Any):
        # One result per operation cannot carry a stream: a subscription here is refused
        # before it runs (InvalidOperationTypeError), instead of failing inside
        # graphql-core. Subscriptions run through `subscribe`, over WebSockets.
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        return await super().execute(
            query, *args, allowed_operation_types=allowed - {OperationType.SUBSCRIPTION},
            **kwargs)


@functools.lru_cache(maxsize=8)
def _build(max_depth: int, max_aliases: int, max_tokens: int) -> ParleySchema:
    extensions = extensions_for(max_depth=max_depth, max_aliases=max_aliases,
                                max_tokens=max_tokens)
    return ParleySchema(query=Query, mutation=Mutation, subscription=Subscription,
                        extensions=extensions, execution_context_class=PlainFieldsExecutor)


def build_schema(settings: GraphQLLimits) -> ParleySchema:
    """The schema for these settings' limits; apps with the same limits share one."""
    return _build(settings.graphql_max_depth, settings.graphql_max_aliases,
                  settings.graphql_max_tokens)
