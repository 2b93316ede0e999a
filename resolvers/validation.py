"""Shape checks shared by every surface's inputs (the surfaces check types; these check
values)."""

from __future__ import annotations

import re

from data.settings import ROLES
from resolvers.errors import Invalid

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*")
_STATIC_IMAGES = {"/user.png", "/static/favicon.png", "/favicon.png"}
MAX_NAME = 255
MAX_EMAIL = 320
MAX_PASSWORD = 1024
MAX_IMAGE_URL = 2 * 1024 * 1024  # a data: URL avatar


def email(value: str) -> str:
    value = value.strip().lower()
    if len(value) > MAX_EMAIL or not (value.endswith("@localhost") or _EMAIL.fullmatch(value)):
        raise Invalid("The e-mail address is not valid.", reason="invalid_email", field="email")
    return value


def name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_NAME:
        raise Invalid(f"The name must have 1 to {MAX_NAME} characters.", reason="invalid_name",
                      field="name")
    return value


def new_password(value: str) -> str:
    if not value or len(value) > MAX_PASSWORD:
        raise Invalid(f"The password must have 1 to {MAX_PASSWORD} characters.",
                      reason="invalid_password", field="password")
    return value


def role(value: str) -> str:
    if value not in ROLES:
        raise Invalid(f"The role must be one of {', '.join(ROLES)}.", reason="invalid_role",
                      field="role")
    return value


def profile_image_url(value: str, user_id: str | None = None) -> str:
    if (value in ("",) or value in _STATIC_IMAGES
            or re.fullmatch(r"/api/v1/users/[\w-]+/profile/image", value)
            or (value.startswith(("http://", "https://")) and len(value) <= 2048)
            or (len(value) <= MAX_IMAGE_URL and _IMAGE_DATA.fullmatch(value))):
        return value
    raise Invalid("The profile image must be an http(s) URL, a known image path or a "
                  "base64 data URL of a PNG, JPEG, GIF or WebP image.",
                  reason="invalid_profile_image", field="profile_image_url")
