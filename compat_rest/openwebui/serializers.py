"""Rows to Open WebUI's JSON shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from data.tables import UserRow
from resolvers.auth.accounts import Session

ACTIVE_WINDOW = 180  # Open WebUI calls a user active if seen in the last 3 minutes


def profile_image(user: UserRow) -> str:
    return user.profile_image_url or f"/api/v1/users/{user.id}/profile/image"


def _date(value: dt.date | str | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def user_model(user: UserRow) -> dict[str, Any]:
    return {
        "id": user.id, "email": user.email, "username": user.username, "role": user.role,
        "name": user.name, "profile_image_url": profile_image(user),
        "profile_banner_image_url": user.profile_banner_image_url, "bio": user.bio,
        "gender": user.gender, "date_of_birth": _date(user.date_of_birth),
        "timezone": user.timezone, "presence_state": user.presence_state,
        "status_emoji": user.status_emoji, "status_message": user.status_message,
        "status_expires_at": user.status_expires_at, "info": user.info,
        "settings": user.settings, "oauth": user.oauth, "scim": user.scim,
        "last_active_at": user.last_active_at, "updated_at": user.updated_at,
        "created_at": user.created_at,
    }


def is_active(user: UserRow, now: int) -> bool:
    return (user.last_active_at or 0) >= now - ACTIVE_WINDOW


def user_info(user: UserRow, groups: list[dict], now: int) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "bio": user.bio, "last_active_at": user.last_active_at, "timezone": user.timezone,
            "groups": groups, "is_active": is_active(user, now),
            "status_emoji": user.status_emoji, "status_message": user.status_message,
            "status_expires_at": user.status_expires_at}


def signin(session: Session) -> dict[str, Any]:
    user = session.user
    return {"token": session.token, "token_type": "Bearer", "expires_at": session.expires_at,
            "id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "profile_image_url": f"/api/v1/users/{user.id}/profile/image",
            "permissions": session.permissions}


def session_user(session: Session) -> dict[str, Any]:
    user = session.user
    return {"token": session.token, "token_type": "Bearer", "expires_at": session.expires_at,
            "id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "profile_image_url": user.profile_image_url, "bio": user.bio,
            "gender": user.gender, "date_of_birth": _date(user.date_of_birth),
            "status_emoji": user.status_emoji, "status_message": user.status_message,
            "status_expires_at": user.status_expires_at, "permissions": session.permissions}
