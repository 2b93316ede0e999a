"""Who may read or write a collection, by its name (rest-ai.md §8.2):

    file-<file id>             the file's own access (owner, admins, grants)
    <knowledge id>             the knowledge base's grants
    user-memory-<user id>      only that user
    web-search-<user id>-...   only that user
    knowledge-bases            nobody, administrators included
    anything else (sha256...)  administrators; others only with
                               ENABLE_RETRIEVAL_UNSCOPED_COLLECTIONS

Names must match [A-Za-z0-9_-]{1,255}, for administrators too: a stranger name must
never reach a store's query. Stores normalise names (lower case, `_` for `-`, a `c`
before a leading digit, edge dashes dropped), so one physical collection has many
spellings: every spelling is checked and any denial wins.

    names = await readable_collections(ctx, viewer, ["file-1234", kb_id], "read")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from data.tables import FileRow, KnowledgeRow
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid
from resolvers.files import access as file_access
from resolvers.knowledge.access import granted_ids

NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
SYSTEM = "knowledge-bases"
MAX_NAMES = 100
ALLOW, DENY, UNKNOWN = "allow", "deny", "unknown"


def collection_forbidden(name: str) -> Forbidden:
    return Forbidden(f"You may not use the collection {name!r}.",
                     reason="collection_forbidden")


def check_names(names: Sequence[str]) -> list[str]:
    """The names, once each, if every one is well formed; else a 400 naming the first."""
    if isinstance(names, str) or not isinstance(names, Sequence) or not names \
            or len(names) > MAX_NAMES:
        raise Invalid(f"Name 1 to {MAX_NAMES} collections.", reason="invalid_collection_name")
    for name in names:
        if not isinstance(name, str) or not NAME.fullmatch(name):
            shown = name[:80] if isinstance(name, str) else type(name).__name__
            raise Invalid(f"{shown!r} is not a collection name: use 1 to 255 letters, "
                          "digits, '-' and '_'.", reason="invalid_collection_name")
    return list(dict.fromkeys(names))


def spellings(name: str) -> set[str]:
    """`name` and every name a store could take for the same collection."""
    lowered = name.lower()
    found = {name, lowered, name.replace("_", "-"), lowered.replace("_", "-")}
    canonical = lowered.replace("_", "-").strip("-")
    found.add(canonical)
    if re.match(r"c\d", canonical):
        found.add(canonical[1:])
    elif canonical[:1].isdigit():
        found.add("c" + canonical)
    return {n for n in found if n}


def _classify(viewer: Viewer, name: str) -> tuple[str, str] | str:
    """(kind, id) for names whose rule needs the database, else the verdict itself."""
    if name == SYSTEM:
        return DENY
    if name.startswith("file-"):
        return ("file", name.removeprefix("file-"))
    if name.startswith("user-memory-"):
        return ALLOW if name == f"user-memory-{viewer.id}" else DENY
    if name.startswith("web-search-"):
        return ALLOW if name.startswith(f"web-search-{viewer.id}-") else DENY
    return ("knowledge", name)


async def _file_verdicts(ctx: Context, viewer: Viewer, ids: Iterable[str],
                         permission: str) -> dict[str, str]:
    """One statement for the files, more only for files of others (grants)."""
    wanted = [i for i in set(ids) if i]
    rows = {row.id: row for row in (await ctx.session.execute(
        select(FileRow).where(FileRow.id.in_(wanted)))).scalars()} if wanted else {}
    verdicts = {}
    for file_id in wanted:
        row = rows.get(file_id)
        # A vanished file's chunks stay its owner's business: denied.
        verdicts[file_id] = ALLOW if row is not None and await file_access.may_access(
            ctx, viewer, row, permission) else DENY
    return verdicts


async def _knowledge_verdicts(ctx: Context, viewer: Viewer, ids: Iterable[str],
                              permission: str) -> dict[str, str]:
    """One statement for the rows; grants are asked only for others' knowledge bases."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    owners = dict((await ctx.session.execute(select(KnowledgeRow.id, KnowledgeRow.user_id)
                                             .where(KnowledgeRow.id.in_(wanted)))).all())
    others = [i for i, owner in owners.items() if owner != viewer.id]
    granted = await granted_ids(ctx, viewer, permission, others) if others else set()
    return {i: UNKNOWN if i not in owners else
            ALLOW if owners[i] == viewer.id or i in granted else DENY for i in wanted}


async def denied_collections(ctx: Context, viewer: Viewer, names: Sequence[str],
                             permission: str = "read") -> list[str]:
    """The names (checked well formed) the viewer may not read (or write), in order."""
    names = check_names(names)
    every = {name: spellings(name) for name in names}
    if viewer.role == "admin":
        return [n for n, spelled in every.items() if SYSTEM in spelled]
    kinds = {s: _classify(viewer, s) for spelled in every.values() for s in spelled}
    verdicts = await _knowledge_verdicts(
        ctx, viewer, [k[1] for k in kinds.values() if isinstance(k, tuple)
                      and k[0] == "knowledge"], permission)
    files = await _file_verdicts(ctx, viewer, [k[1] for k in kinds.values()
                                               if isinstance(k, tuple) and k[0] == "file"],
                                 permission)
    for spelling, kind in kinds.items():
        if isinstance(kind, str):
            verdicts[spelling] = kind
        elif kind[0] == "file":
            verdicts[spelling] = files.get(kind[1], DENY)
    unscoped = ctx.settings.vectors.retrieval.unscoped_collections
    denied = []
    for name, spelled in every.items():
        found = [verdicts[s] for s in spelled]
        # A spelling that names nothing protected neither grants nor denies, unless
        # unscoped collections are open to everyone.
        if DENY in found or not (ALLOW in found or (unscoped and UNKNOWN in found)):
            denied.append(name)
    return denied


async def readable_collections(ctx: Context, viewer: Viewer, names: Sequence[str],
                               permission: str = "read") -> list[str]:
    """The names, once each, when the viewer may use every one; else a 400 for a bad
    name or a 403 naming the first collection denied."""
    denied = await denied_collections(ctx, viewer, names, permission)
    if denied:
        raise collection_forbidden(denied[0])
    return check_names(names)
