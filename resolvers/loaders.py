"""Dataloaders of one unit of work, over the repositories' batch queries.

Loads requested in the same tick (every `owner` of a page of chats, every `messages`
window) become one statement each. The loaders live on `ctx.loaders`, which the unit of
work resets, so nothing cached outlives one transaction; writers call `forget_loaded`.

One AsyncSession runs one statement at a time, while GraphQL resolves sibling fields
concurrently: every batch, and every resolver that queries directly while loaders may be
dispatching, takes the unit of work's `serial` lock.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiodataloader import DataLoader

from data.chat_json import row_id
from data.repos.access_grants import AccessGrantRepo
from data.repos.chats import ChatRepo
from data.repos.directory_groups import DirectoryGroupRepo
from data.repos.driver import direct_reader
from data.repos.files import FileRepo
from data.repos.folders import FolderRepo
from data.repos.groups import GroupRepo
from data.repos.knowledge import KnowledgeRepo
from data.repos.messages import MessageRepo, MessageWindow, WindowPage
from data.repos.tags import TagRepo
from data.repos.users import UserRepo, UserSummary
from data.tables import (
    AccessGrantRow,
    ChatMessageRow,
    ChatRow,
    FileRow,
    FolderRow,
    GroupRow,
    TagRow,
    UserRow,
)
from resolvers.context import Context

Key = TypeVar("Key")
MemberPage = tuple[str, int, int]  # (group id, offset, limit)
FilePage = tuple[str, int, int]  # (knowledge id, offset, limit)


class Loaders:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.lock = asyncio.Lock()
        self.listed_chats: dict[str, Any] = {}  # summaries a list already read

    # Each loader is made when first used: a request uses two or three of them, and
    # making all ten showed in the profile of a one-chat read.
    @functools.cached_property
    def users(self) -> DataLoader[str, UserSummary | None]:
        return DataLoader(functools.partial(self._by_ids, UserRepo))

    @functools.cached_property
    def chats(self) -> DataLoader[str, ChatRow | None]:
        return DataLoader(functools.partial(self._by_ids, ChatRepo))

    @functools.cached_property
    def tags(self) -> DataLoader[tuple[str, str], TagRow | None]:
        return DataLoader(self._tags)

    @functools.cached_property
    def folders(self) -> DataLoader[str, FolderRow | None]:
        return DataLoader(functools.partial(self._by_ids, FolderRepo))

    @functools.cached_property
    def messages(self) -> DataLoader[tuple[str, str], ChatMessageRow | None]:
        return DataLoader(self._messages)

    @functools.cached_property
    def children(self) -> DataLoader[tuple[str, str], list[ChatMessageRow]]:
        return DataLoader(self._children)

    @functools.cached_property
    def files(self) -> DataLoader[str, FileRow | None]:
        return DataLoader(self._files)

    @functools.cached_property
    def windows(self) -> DataLoader[tuple[str, MessageWindow], WindowPage]:
        return DataLoader(self._windows)

    @functools.cached_property
    def groups_of_user(self) -> DataLoader[str, list[GroupRow]]:
        return DataLoader(self._groups_of_users)

    @functools.cached_property
    def member_count(self) -> DataLoader[str, int]:
        return DataLoader(self._member_counts)

    @functools.cached_property
    def group_members(self) -> DataLoader[MemberPage, list[UserRow]]:
        return DataLoader(self._member_pages)

    @functools.cached_property
    def knowledge_files(self) -> DataLoader[FilePage, list[FileRow]]:
        return DataLoader(self._knowledge_files)

    @functools.cached_property
    def knowledge_file_count(self) -> DataLoader[str, int]:
        return DataLoader(self._knowledge_file_counts)

    @functools.cached_property
    def knowledge_grants(self) -> DataLoader[str, list[AccessGrantRow]]:
        return DataLoader(self._knowledge_grants)

    async def _knowledge_files(self, keys: Sequence[FilePage]) -> list[list[FileRow]]:
        """One statement per distinct window; a page of knowledge bases asks for one."""
        windows: dict[tuple[int, int], list[str]] = defaultdict(list)
        for knowledge_id, offset, limit in keys:
            windows[(offset, limit)].append(knowledge_id)
        pages: dict[FilePage, list[FileRow]] = {}
        async with self.lock:
            repo = KnowledgeRepo(self.ctx.session)
            for (offset, limit), ids in windows.items():
                found = await repo.file_windows(ids, offset, limit)
                pages.update({(i, offset, limit): found.get(i, []) for i in ids})
        return [pages[key] for key in keys]

    async def _knowledge_file_counts(self, ids: Sequence[str]) -> list[int]:
        async with self.lock:
            found = await KnowledgeRepo(self.ctx.session).file_counts(list(ids))
        return [found.get(i, 0) for i in ids]

    async def _knowledge_grants(self, ids: Sequence[str]) -> list[list[AccessGrantRow]]:
        return await self._grants("knowledge", ids)

    @functools.cached_property
    def model_grants(self) -> DataLoader[str, list[AccessGrantRow]]:
        return DataLoader(self._model_grants)

    async def _model_grants(self, ids: Sequence[str]) -> list[list[AccessGrantRow]]:
        return await self._grants("model", ids)

    async def _grants(self, resource_type: str, ids: Sequence[str]
                      ) -> list[list[AccessGrantRow]]:
        async with self.lock:
            found = await AccessGrantRepo(self.ctx.session).for_resources(resource_type,
                                                                          list(ids))
        return [found.get(i, []) for i in ids]

    async def _groups_of_users(self, user_ids: Sequence[str]) -> list[list[GroupRow]]:
        async with self.lock:
            found = await GroupRepo(self.ctx.session).for_users(list(user_ids))
        return [found.get(user_id, []) for user_id in user_ids]

    async def _member_counts(self, group_ids: Sequence[str]) -> list[int]:
        async with self.lock:
            found = await DirectoryGroupRepo(self.ctx.session).member_counts(list(group_ids))
        return [found.get(group_id, 0) for group_id in group_ids]

    async def _member_pages(self, keys: Sequence[MemberPage]) -> list[list[UserRow]]:
        """One query per distinct window; a page of groups normally asks for one."""
        windows: dict[tuple[int, int], list[str]] = defaultdict(list)
        for group_id, offset, limit in keys:
            windows[(offset, limit)].append(group_id)
        pages: dict[MemberPage, list[UserRow]] = {}
        async with self.lock:
            repo = DirectoryGroupRepo(self.ctx.session)
            for (offset, limit), group_ids in windows.items():
                found = await repo.member_pages(group_ids, offset, limit)
                for group_id in group_ids:
                    pages[(group_id, offset, limit)] = found.get(group_id, [])
        return [pages[key] for key in keys]

    async def _by_ids(self, repo: Any, ids: list[str]) -> list[Any]:
        """Rows in the order of `ids`, None for each that is gone."""
        async with self.lock:
            found = {row.id: row for row in await repo(self.ctx.session).by_ids(ids)}
        return [found.get(i) for i in ids]

    async def _files(self, ids: list[str]) -> list[FileRow | None]:
        async with self.lock:
            found = await FileRepo(self.ctx.session).by_ids(ids)
        return [found.get(i) for i in ids]

    async def _tags(self, keys: list[tuple[str, str]]) -> list[TagRow | None]:
        async with self.lock:
            found = {(t.user_id, t.id): t for t in await TagRepo(self.ctx.session).by_keys(keys)}
        return [found.get(k) for k in keys]

    async def _messages(self, keys: list[tuple[str, str]]) -> list[ChatMessageRow | None]:
        async with self.lock:
            rows = await MessageRepo(self.ctx.session).by_ids([row_id(*k) for k in keys])
        found = {r.id: r for r in rows}
        return [found.get(row_id(*k)) for k in keys]

    async def _children(self, keys: list[tuple[str, str]]) -> list[list[ChatMessageRow]]:
        async with self.lock:
            rows = await MessageRepo(self.ctx.session).children(keys)
        grouped: dict[tuple[str, str], list[ChatMessageRow]] = defaultdict(list)
        for row in rows:
            grouped[(row.chat_id, row.parent_id)].append(row)
        return [grouped.get(k, []) for k in keys]

    async def _windows(self, keys: list[tuple[str, MessageWindow]]) -> list[WindowPage]:
        """One statement per distinct window (a page asks for the same one everywhere)."""
        by_window: dict[MessageWindow, list[str]] = defaultdict(list)
        for chat_id, window in keys:
            by_window[window].append(chat_id)
        pages: dict[tuple[str, MessageWindow], WindowPage] = {}
        async with self.lock:
            repo = MessageRepo(self.ctx.session)
            for window, chat_ids in by_window.items():
                found = await repo.windows(
                    list(dict.fromkeys(chat_ids)), window,
                    reader=direct_reader(self.ctx.services.reader, self.ctx.writes))
                pages.update({(chat_id, window): page for chat_id, page in found.items()})
        return [pages[k] for k in keys]


async def chat_summary(ctx: Context, chat_id: str) -> Any:
    """A chat's summary row: from a list read in this unit of work, else batched. (A
    plain dict rather than priming the loader: priming costs a future per row, which
    shows on a page of 200.)"""
    found = loaders(ctx).listed_chats.get(chat_id)
    return found if found is not None else await loaders(ctx).chats.load(chat_id)


def loaders(ctx: Context) -> Loaders:
    if ctx.loaders is None:
        ctx.loaders = Loaders(ctx)
    return ctx.loaders


def forget_loaded(ctx: Context) -> None:
    """After a write: later reads in this unit of work load afresh."""
    ctx.loaders = None


@asynccontextmanager
async def serial(ctx: Context) -> AsyncIterator[None]:
    async with loaders(ctx).lock:
        yield


async def load_many(loader: DataLoader[Key, Any], keys: Sequence[Key]) -> list[Any]:
    return list(await loader.load_many(list(keys)))
