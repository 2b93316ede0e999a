"""Feedback on answers (thumbs, arena votes), on Open WebUI's `feedback` table: a rating
given in Open WebUI is read here and the other way round. Owners read and change their
own; administrators any."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from data.repos.feedback import FeedbackRepo
from data.tables import FeedbackRow, UserRow
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.permissions import require_admin, require_verified

PAGE_SIZE = 30  # Open WebUI's page of feedback


@dataclass(frozen=True)
class FeedbackInput:
    """What a client sends; `data`, `meta` and `snapshot` are kept as given."""

    type: str
    data: Mapping[str, Any] | None = None
    meta: Mapping[str, Any] | None = None
    snapshot: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FeedbackPage:
    items: Sequence[FeedbackRow]
    users: Mapping[str, UserRow]
    total: int


def _not_found() -> NotFound:
    return NotFound("No such feedback.", reason="feedback_not_found")


def _check(form: FeedbackInput) -> None:
    if not isinstance(form.type, str) or not form.type.strip():
        raise Invalid("A feedback type is required.", reason="invalid_feedback", field="type")
    for name in ("data", "meta", "snapshot"):
        if getattr(form, name) is not None and not isinstance(getattr(form, name), Mapping):
            raise Invalid(f"{name} must be an object.", reason="invalid_feedback", field=name)


async def create_feedback(ctx: Context, form: FeedbackInput) -> FeedbackRow:
    """Verified users: their feedback on an answer."""
    viewer = await require_verified(ctx)
    _check(form)
    now = now_s()
    row = FeedbackRow(id=str(uuid.uuid4()), user_id=viewer.id, version=0, type=form.type,
                      data=_plain(form.data), meta=_plain(form.meta),
                      snapshot=_plain(form.snapshot), created_at=now, updated_at=now)
    return await FeedbackRepo(ctx.session).add(row)


async def get_feedback(ctx: Context, feedback_id: str) -> FeedbackRow:
    """The owner, or an administrator; anyone else is told it does not exist."""
    viewer = await require_verified(ctx)
    owner = None if viewer.role == "admin" else viewer.id
    row = await FeedbackRepo(ctx.session).get(feedback_id, user_id=owner)
    if row is None:
        raise _not_found()
    return row


async def update_feedback(ctx: Context, feedback_id: str, form: FeedbackInput) -> FeedbackRow:
    """As `get_feedback`. The parts sent replace the stored ones; the type stays, as in
    Open WebUI."""
    _check(form)
    row = await get_feedback(ctx, feedback_id)
    for name in ("data", "meta", "snapshot"):
        value = getattr(form, name)
        # As Open WebUI: a meta sent empty keeps the stored one.
        if value is not None and (value or name != "meta"):
            setattr(row, name, _plain(value))
    row.updated_at = now_s()
    await ctx.session.flush()
    return row


async def delete_feedback(ctx: Context, feedback_id: str) -> bool:
    viewer = await require_verified(ctx)
    owner = None if viewer.role == "admin" else viewer.id
    if not await FeedbackRepo(ctx.session).delete(feedback_id, user_id=owner):
        raise _not_found()
    return True


async def list_own_feedback(ctx: Context) -> Sequence[FeedbackRow]:
    viewer = await require_verified(ctx)
    return await FeedbackRepo(ctx.session).all(user_id=viewer.id)


async def delete_own_feedback(ctx: Context) -> int:
    viewer = await require_verified(ctx)
    return await FeedbackRepo(ctx.session).delete_all(user_id=viewer.id)


async def list_all_feedback(ctx: Context, *, model_id: str | None = None
                            ) -> FeedbackPage:
    """Administrators: everyone's feedback with its author, newest change first
    (`model_id`: only feedback on that model)."""
    await require_admin(ctx)
    repo = FeedbackRepo(ctx.session)
    items = await repo.all()
    if model_id:
        items = [r for r in items if isinstance(r.data, dict)
                 and r.data.get("model_id") == model_id]
    users = await repo.users([row.user_id for row in items])
    return FeedbackPage(items, users, len(items))


async def page_feedback(ctx: Context, *, page: int = 1, order_by: str | None = None,
                        direction: str | None = None, model_id: str | None = None
                        ) -> FeedbackPage:
    """Administrators: Open WebUI's admin list, 30 a page (see FeedbackRepo)."""
    await require_admin(ctx)
    if page < 1:
        raise Invalid("Pages start at 1.", reason="invalid_page", field="page")
    found, total = await FeedbackRepo(ctx.session).page_with_users(
        order_by=order_by, direction=direction, model_id=model_id,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return FeedbackPage([f for f, _ in found], {u.id: u for _, u in found}, total)


async def feedback_model_ids(ctx: Context) -> list[str]:
    """Administrators: every model some feedback is about."""
    await require_admin(ctx)
    return await FeedbackRepo(ctx.session).model_ids()


async def delete_all_feedback(ctx: Context) -> int:
    await require_admin(ctx)
    return await FeedbackRepo(ctx.session).delete_all()


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)
