"""ORM classes. Open WebUI's tables keep its names, columns and quirks (quoted `user` and
`group`, JSON kept as TEXT where it does, epoch-second timestamps); ours start with `parley_`."""

from data.tables.base import Base
from data.tables.chats import ChatFileRow, ChatMessageRow, ChatRow, FolderRow, SharedChatRow, TagRow
from data.tables.evaluations import EvaluationCaseRow, EvaluationResultRow, EvaluationRow
from data.tables.parley import (
    FileChunkRow,
    MetaRow,
    PipelineRow,
    PipelineRunRow,
    RateLimitRow,
    ReindexProgressRow,
    RevokedTokenRow,
)
from data.tables.users import (
    AccessGrantRow,
    ApiKeyRow,
    AuthRow,
    ConfigRow,
    GroupMemberRow,
    GroupRow,
    UserRow,
)
from data.tables.vectors import VectorChunkRow, VectorCollectionRow
from data.tables.workspace import (
    FeedbackRow,
    FileRow,
    FunctionHistoryRow,
    FunctionRow,
    KnowledgeFileRow,
    KnowledgeRow,
    MemoryRow,
    ModelHistoryRow,
    ModelRow,
)

__all__ = [
    "AccessGrantRow", "ApiKeyRow", "AuthRow", "Base", "ChatFileRow", "ChatMessageRow", "ChatRow",
    "ConfigRow", "EvaluationCaseRow", "EvaluationResultRow", "EvaluationRow", "FeedbackRow",
    "FileChunkRow", "FileRow", "FolderRow", "FunctionHistoryRow",
    "FunctionRow",
    "GroupMemberRow", "GroupRow",
    "KnowledgeFileRow", "KnowledgeRow", "MemoryRow", "MetaRow", "ModelHistoryRow", "ModelRow",
    "PipelineRow", "PipelineRunRow",
    "RateLimitRow", "ReindexProgressRow", "RevokedTokenRow",
    "SharedChatRow", "TagRow", "UserRow", "VectorChunkRow", "VectorCollectionRow",
]
