"""Runtime settings admins change while the server runs (kept in the `config` table)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from data.repos.users import UserRepo
from data.settings import SettingsError, parse_duration
from resolvers import validation
from resolvers.context import Context
from resolvers.errors import Forbidden, Invalid
from resolvers.loaders import serial
from resolvers.permissions import require_admin, require_user

_KEYS = {
    "enable_signup": "ui.enable_signup",
    "enable_login_form": "ui.enable_login_form",
    "default_user_role": "ui.default_user_role",
    "jwt_expires_in": "auth.jwt_expiry",
    "enable_api_keys": "auth.enable_api_keys",
    "show_admin_details": "auth.admin.show",
}


@dataclass(frozen=True)
class AdminContact:
    """Whom people ask for help: the configured admin e-mail, else the primary admin."""

    name: str | None
    email: str | None


@dataclass(frozen=True)
class AuthConfig:
    enable_signup: bool
    enable_login_form: bool
    default_user_role: str
    jwt_expires_in: str
    enable_api_keys: bool
    show_admin_details: bool


async def read_auth_config(ctx: Context, *, fresh: bool = False) -> AuthConfig:
    values = await ctx.services.config.get_all(ctx.session, fresh=fresh)
    return AuthConfig(**{name: values[key] for name, key in _KEYS.items()})


async def get_auth_config(ctx: Context) -> AuthConfig:
    """Admins only."""
    await require_admin(ctx)
    return await read_auth_config(ctx, fresh=True)


async def update_auth_config(ctx: Context, changes: dict) -> AuthConfig:
    """Admins only. `changes` holds any AuthConfig fields; the rest keep their values."""
    await require_admin(ctx)
    known = {f.name for f in fields(AuthConfig)}
    unknown = changes.keys() - known
    if unknown:
        raise Invalid(f"Unknown settings: {', '.join(sorted(unknown))}.", reason="invalid_setting")
    for name, value in changes.items():
        wanted = str if name in ("default_user_role", "jwt_expires_in") else bool
        if not isinstance(value, wanted):
            raise Invalid(f"{name} must be a {wanted.__name__}.", reason="invalid_setting",
                          field=name)
    if "default_user_role" in changes:
        validation.role(changes["default_user_role"])
    if "jwt_expires_in" in changes:
        try:
            parse_duration(changes["jwt_expires_in"])
        except SettingsError as error:
            raise Invalid(str(error), reason="invalid_setting", field="jwt_expires_in") from None
    current = await read_auth_config(ctx, fresh=True)
    updated = replace(current, **changes)
    await ctx.services.config.set(ctx.session, {_KEYS[n]: getattr(updated, n) for n in changes})
    return updated


async def admin_contact(ctx: Context) -> AdminContact:
    """Any signed-in account, pending ones too (they wait for this admin), unless
    administrators hide it (`auth.admin.show`)."""
    async with serial(ctx):
        await require_user(ctx)
        values = await ctx.services.config.get_all(ctx.session)
        if not values["auth.admin.show"]:
            raise Forbidden("Administrators keep their contact details hidden.",
                            reason="admin_details_hidden")
        repo = UserRepo(ctx.session)
        email = values["auth.admin.email"]
        if email:
            admin = await repo.get_by_email(email)
            return AdminContact(name=admin.name if admin else None, email=email)
        admin_id = await repo.primary_admin_id()
        admin = await repo.get(admin_id) if admin_id else None
        return AdminContact(name=admin.name if admin else None,
                            email=admin.email if admin else None)
