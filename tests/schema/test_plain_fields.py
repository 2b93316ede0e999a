"""schema/execution.py reads plain fields without graphql-core's per-field machinery. Each
test runs the same document on a schema with that executor and on one with strawberry's
own, and expects the same answer to the letter: data, error messages, paths, nulls."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import Enum

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON

from schema.execution import PlainFieldsExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Badge(Named):
    level: int


@strawberry.type
class Medal:  # Badge's fields, but not a Badge
    name: str
    level: int


class Denied(BasePermission):
    message = "Not for you."

    def has_permission(self, source, info, **kwargs) -> bool:
        return False


class Later:
    """An attribute value to await (every time: both schemas read the same objects)."""

    def __init__(self, value):
        self.value = value

    def __await__(self):
        yield from asyncio.sleep(0).__await__()
        return self.value


@strawberry.type
class Item:
    id: strawberry.ID
    title: str
    done: bool
    count: int
    ratio: float | None
    colour: Colour
    at: datetime
    note: str | None
    meta: JSON | None
    secret: str = strawberry.field(default="hidden", permission_classes=[Denied])

    @strawberry.field
    def shout(self) -> str:
        return self.title.upper()


def item(n: int, **changes) -> Item:
    values = dict(id=strawberry.ID(f"i{n}"), title=f"Item {n}", done=n % 2 == 0, count=n,
                  ratio=n / 3 if n % 3 else None, colour=Colour.RED if n % 2 else Colour.BLUE,
                  at=datetime.fromtimestamp(1_760_000_000 + n, tz=UTC),
                  note=None if n % 2 else f"note {n}", meta={"n": n} if n % 2 else None)
    return Item(**(values | changes))


PAGES: dict[str, list] = {}


@strawberry.type
class Query:
    @strawberry.field
    def items(self, page: str = "plain") -> list[Item]:
        return PAGES[page]

    @strawberry.field
    def maybe_items(self, page: str = "plain") -> list[Item | None] | None:
        return PAGES[page]

    @strawberry.field
    def badges(self, page: str = "badges") -> list[Badge]:
        return PAGES[page]

    @strawberry.field
    def medals(self) -> list[Medal]:
        return [Medal(name="c", level=3)]

    @strawberry.field
    def first(self, page: str = "plain") -> Item | None:
        return PAGES[page][0]


PAGES.update(
    plain=[item(n) for n in range(7)],
    nulls=[item(0), None, item(2)],
    null_title=[item(0), item(1, title=None), item(2)],
    awaited=[item(0), item(1, title=Later("late")), item(2)],
    failing=[item(0), item(1, count="many"), item(2)],
    exception=[item(0), item(1, meta=ValueError("no meta")), item(2)],
    huge=[item(0), item(1, count=2**40)],
    badges=[Badge(name="a", level=1), Badge(name="b", level=2)],
    wrong_type=[item(0), Badge(name="b", level=2)],
    wrong_badges=[Badge(name="a", level=1), Medal(name="b", level=2)],
)

FAST = strawberry.Schema(Query, execution_context_class=PlainFieldsExecutor)
USUAL = strawberry.Schema(Query)
FIELDS = "id title done count ratio colour at note meta"


async def both(document: str, fast=FAST, usual=USUAL) -> dict:
    answers = []
    for schema in (fast, usual):
        result = await schema.execute(document)
        errors = [(e.message, e.path) for e in result.errors or []]
        answers.append({"data": result.data, "errors": errors})
    assert answers[0] == answers[1]
    return answers[0]


async def test_plain_objects_and_lists():
    answer = await both(f"{{ items {{ {FIELDS} __typename }} first {{ {FIELDS} }} }}")
    assert not answer["errors"]
    assert answer["data"]["items"][1] == {
        "id": "i1", "title": "Item 1", "done": False, "count": 1, "ratio": 1 / 3,
        "colour": "RED", "at": "2025-10-09T08:53:21+00:00", "note": None, "meta": {"n": 1},
        "__typename": "Item"}


async def test_aliases_fragments_and_directives():
    await both("""query { a: items { x: id id title ...F ... on Item { t: title } }
                          b: items { done @include(if: false) count @skip(if: false) } }
                  fragment F on Item { title colour }""")


async def test_fields_with_resolvers_or_permissions_beside_plain_ones():
    answer = await both("{ items { id shout } first { id secret } }")
    assert answer["data"]["items"][0] == {"id": "i0", "shout": "ITEM 0"}
    assert answer["errors"] == [("Not for you.", ["first", "secret"])]


@pytest.mark.parametrize("page", ["nulls", "null_title", "awaited", "failing", "exception",
                                  "huge", "wrong_type"])
async def test_values_the_usual_path_must_handle(page):
    await both(f'{{ items(page: "{page}") {{ {FIELDS} }} }}')
    await both(f'{{ maybeItems(page: "{page}") {{ {FIELDS} }} }}')
    await both(f'{{ first(page: "{page}") {{ {FIELDS} }} }}')


async def test_types_checked_by_is_type_of():
    await both("{ badges { name level __typename } }")
    answer = await both('{ badges(page: "wrong_badges") { name } }')
    assert answer["data"] is None and "Expected value of type" in answer["errors"][0][0]


async def test_a_resolve_hook_still_sees_every_field():
    seen: list[list] = []

    class Watch(SchemaExtension):
        def resolve(self, _next, root, info, *args, **kwargs):
            seen[-1].append(info.field_name)
            return _next(root, info, *args, **kwargs)

    fast = strawberry.Schema(Query, extensions=[Watch],
                             execution_context_class=PlainFieldsExecutor)
    usual = strawberry.Schema(Query, extensions=[Watch])
    seen.append([])
    await fast.execute("{ items { id title } }")
    seen.append([])
    await usual.execute("{ items { id title } }")
    assert seen[0] == seen[1] == ["items"] + ["id", "title"] * len(PAGES["plain"])
