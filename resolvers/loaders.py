"""Dataloaders of one unit of work: loads asked for while resolving one GraphQL operation
batch into one query each. They live and die with the unit of work (a WebSocket
connection's strawberry context would outlive it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from aiodataloader import DataLoader

from data.repos.directory_groups import DirectoryGroupRepo
from data.repos.groups import GroupRepo
from data.tables import GroupRow, UserRow
from resolvers.context import Context

MemberPage = tuple[str, int, int]  # (group id, offset, limit)


class Loaders:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.groups_of_user: DataLoader[str, list[GroupRow]] = DataLoader(
            self._groups_of_users, cache=True)
        self.member_count: DataLoader[str, int] = DataLoader(self._member_counts)
        self.group_members: DataLoader[MemberPage, list[UserRow]] = DataLoader(
            self._member_pages)

    async def _groups_of_users(self, user_ids: Sequence[str]) -> list[list[GroupRow]]:
        found = await GroupRepo(self.ctx.session).for_users(list(user_ids))
        return [found.get(user_id, []) for user_id in user_ids]

    async def _member_counts(self, group_ids: Sequence[str]) -> list[int]:
        found = await DirectoryGroupRepo(self.ctx.session).member_counts(list(group_ids))
        return [found.get(group_id, 0) for group_id in group_ids]

    async def _member_pages(self, keys: Sequence[MemberPage]) -> list[list[UserRow]]:
        # One query per distinct window; a page of groups normally asks for one.
        windows: dict[tuple[int, int], list[str]] = defaultdict(list)
        for group_id, offset, limit in keys:
            windows[(offset, limit)].append(group_id)
        pages: dict[MemberPage, list[UserRow]] = {}
        repo = DirectoryGroupRepo(self.ctx.session)
        for (offset, limit), group_ids in windows.items():
            found = await repo.member_pages(group_ids, offset, limit)
            for group_id in group_ids:
                pages[(group_id, offset, limit)] = found.get(group_id, [])
        return [pages[key] for key in keys]


def loaders(ctx: Context) -> Loaders:
    """The unit of work's loaders, made on first use."""
    if ctx.loaders is None:
        ctx.loaders = Loaders(ctx)
    return ctx.loaders
