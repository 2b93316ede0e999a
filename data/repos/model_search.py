"""Pages of workspace models (`model` rows) for the model lists and searches: who may see
them, words in their name, id, description or tags, one tag, sorted, counted.

`meta` is JSON kept as TEXT (Open WebUI's JSONField), so its description and tags are
read with each database's JSON functions; a meta that is not valid JSON matches nothing.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from data.repos.access_grants import EVERYONE
from data.tables import AccessGrantRow, ModelRow, UserRow

_META = ModelRow.__table__.c.meta  # the raw TEXT column, without JSONText's binding
_ORDER = {"name": ModelRow.name, "created_at": ModelRow.created_at,
          "updated_at": ModelRow.updated_at}
_SQLITE_TAGS = ("EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(model.meta) THEN "
                "model.meta ELSE '{}' END, '$.tags') t WHERE t.type = 'object' AND "
                "lower(json_extract(t.value, '$.name')) %s)")
_PG_TAGS = ("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof("
            "CAST(model.meta AS jsonb) -> 'tags') = 'array' THEN CAST(model.meta AS jsonb) "
            "-> 'tags' ELSE CAST('[]' AS jsonb) END) t(v) WHERE jsonb_typeof(t.v) = 'object' "
            "AND lower(t.v ->> 'name') %s)")


@dataclass(frozen=True)
class Reader:
    """Whose view; `sees_all` for one who sees every row (an administrator)."""

    user_id: str
    group_ids: Sequence[str] = ()
    sees_all: bool = False


@dataclass(frozen=True)
class ModelFilter:
    query: str | None = None
    tag: str | None = None
    view_option: str | None = None  # "created": the reader's own; "shared": others'
    presets_only: bool = False
    base_only: bool = False
    # Where `query` looks: Open WebUI's list ("name", "base", "owner") or the documented
    # search ("name", "id", "description", "tags").
    fields: tuple[str, ...] = ("name", "base", "owner")
    order_by: str = "created_at"
    descending: bool = True


def _valid_meta() -> ColumnElement:
    """SQLite: the meta text, or `{}` where it is not JSON (json_extract would fail)."""
    return case((func.json_valid(_META) == 1, _META), else_=literal("{}"))


# Characters no other character lowercases to, which JSON writers keep as they are (not
# `"`, `\\`, nor `/`, which some writers escape): a run of them in a search term appears
# verbatim in the meta text of any row whose description or tags match the term.
_CASELESS = frozenset(string.digits + string.punctuation + " ") - set('"\\/')


def caseless_run(term: str) -> str:
    """The term's longest run of _CASELESS characters ("" when shorter than two)."""
    runs = "".join(c if c in _CASELESS else "\0" for c in term.lower()).split("\0")
    longest = max(runs, key=len, default="")
    return longest if len(longest) >= 2 else ""


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def readable_by(reader: Reader) -> ColumnElement[bool]:
    """Owned, or granted (read or write) to the reader, everyone, or one of their groups."""
    principals = [and_(AccessGrantRow.principal_type == "user",
                       AccessGrantRow.principal_id.in_([reader.user_id, EVERYONE]))]
    if reader.group_ids:
        principals.append(and_(AccessGrantRow.principal_type == "group",
                               AccessGrantRow.principal_id.in_(list(reader.group_ids))))
    granted = exists().where(AccessGrantRow.resource_type == "model",
                             AccessGrantRow.resource_id == ModelRow.id,
                             AccessGrantRow.permission.in_(["read", "write"]), or_(*principals))
    return or_(ModelRow.user_id == reader.user_id, granted)


class ModelSearchRepo:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def _description(self) -> ColumnElement:
        if self.postgres:
            return cast(_META, JSONB)["description"].astext
        return func.json_extract(_valid_meta(), "$.description")

    def _tag(self, comparison: str, **params: str) -> ColumnElement[bool]:
        return text((_PG_TAGS if self.postgres else _SQLITE_TAGS) % comparison
                    ).bindparams(**params)

    def _in_meta(self, term: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """`condition` (on the parsed meta) only where the meta text could match `term`:
        finding a plain substring is far cheaper than parsing JSON carrying a 20 kB
        image. Exact: a row whose meta has any escape (a backslash) is always parsed;
        without one, JSON keeps the term's caseless run verbatim. CASE makes the
        database test the text first."""
        run = caseless_run(term)
        if not run:
            return condition
        find = func.strpos if self.postgres else func.instr
        maybe = or_(find(_META, "\\") > 0, find(_META, run) > 0)
        return case((maybe, condition), else_=literal(False))

    def _where(self, reader: Reader, found: ModelFilter) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if not reader.sees_all:
            where.append(readable_by(reader))
        if found.presets_only:
            where.append(ModelRow.base_model_id.is_not(None))
        if found.base_only:
            where.append(ModelRow.base_model_id.is_(None))
        if found.view_option == "created":
            where.append(ModelRow.user_id == reader.user_id)
        elif found.view_option == "shared":
            where.append(ModelRow.user_id != reader.user_id)
        if found.tag:
            tag = found.tag.strip().lower()
            where.append(self._in_meta(tag, self._tag("= :tag", tag=tag)))
        if found.query:
            where.append(or_(*self._matches(found)))
        return where

    def _matches(self, found: ModelFilter) -> list[ColumnElement[bool]]:
        pattern = _like(found.query or "")
        columns = {"name": [ModelRow.name], "id": [ModelRow.id],
                   "base": [ModelRow.base_model_id],
                   "owner": [UserRow.name, UserRow.email, UserRow.username],
                   "description": [self._description()]}
        conditions = [func.lower(c).like(pattern, escape="\\")
                      for name in found.fields if name != "description"
                      for c in columns.get(name, [])]
        in_meta = [func.lower(self._description()).like(pattern, escape="\\")
                   ] if "description" in found.fields else []
        if "tags" in found.fields:
            in_meta.append(self._tag("LIKE :q ESCAPE '\\'", q=pattern))
        if in_meta:
            conditions.append(self._in_meta(found.query or "", or_(*in_meta)))
        return conditions

    async def page(self, reader: Reader, found: ModelFilter, *, offset: int, limit: int
                   ) -> tuple[list[tuple[ModelRow, UserRow | None]], int]:
        """One page of rows with their owners, and how many rows match in all. The ids
        are picked and counted first (one statement, a window count: matching may parse
        every row's meta, so it is done once), without the rows' large meta, which only
        the page's rows are then read with."""
        where = self._where(reader, found)
        column = _ORDER.get(found.order_by, ModelRow.created_at)
        order = [column.desc(), ModelRow.id.desc()] if found.descending \
            else [column.asc(), ModelRow.id.asc()]
        picked = (await self.session.execute(
            select(ModelRow.id, func.count().over().label("total"))
            .outerjoin(UserRow, UserRow.id == ModelRow.user_id)
            .where(*where).order_by(*order).offset(offset).limit(limit))).all()
        if not picked:
            return [], 0 if offset == 0 else await self._count(where)
        ids = [p.id for p in picked]
        stmt = (select(ModelRow, UserRow).outerjoin(UserRow, UserRow.id == ModelRow.user_id)
                .where(ModelRow.id.in_(ids)))
        by_id = {model.id: (model, owner)
                 for model, owner in (await self.session.execute(stmt)).all()}
        return [by_id[i] for i in ids if i in by_id], picked[0].total

    async def _count(self, where: list[ColumnElement[bool]]) -> int:
        counted = (select(func.count()).select_from(ModelRow)
                   .outerjoin(UserRow, UserRow.id == ModelRow.user_id).where(*where))
        return (await self.session.execute(counted)).scalar_one()

    async def rows(self, reader: Reader, found: ModelFilter) -> list[ModelRow]:
        stmt = (select(ModelRow).outerjoin(UserRow, UserRow.id == ModelRow.user_id)
                .where(*self._where(reader, found)).order_by(ModelRow.created_at, ModelRow.id))
        return list((await self.session.execute(stmt)).scalars())

    async def tags(self, reader: Reader) -> list[str]:
        """The tag names on the models the reader may see, sorted, each once."""
        tags = cast(_META, JSONB)["tags"] if self.postgres else func.json_extract(
            _valid_meta(), "$.tags")
        stmt = select(cast(tags, Text) if self.postgres else tags)
        if not reader.sees_all:
            stmt = stmt.where(readable_by(reader))
        names: set[str] = set()
        for (value,) in (await self.session.execute(stmt)).all():
            for item in _json_list(value):
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    names.add(item["name"])
        return sorted(names)


def _json_list(value: object) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


__all__ = ["ModelFilter", "ModelSearchRepo", "Reader", "readable_by"]
