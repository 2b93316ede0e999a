"""Open WebUI's `/api/v1/auths` routes and the documented short `/api/auth/*` routes."""

from __future__ import annotations

import time

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui import serializers
from compat_rest.openwebui.errors import endpoint
from resolvers.auth import accounts as auth
from resolvers.context import Context
from resolvers.system import config as server_config
from resolvers.users import users

# An avatar that fails validation is a body error (422) on these routes, as in Open WebUI.
_FORM_ERRORS = {"invalid_profile_image": 422}


class SignUpForm(BaseModel):
    name: str
    email: str
    password: str
    profile_image_url: str = auth.DEFAULT_IMAGE


class SignInForm(BaseModel):
    email: str
    password: str


class AddUserForm(SignUpForm):
    role: str = "pending"


class PasswordForm(BaseModel):
    password: str
    new_password: str


class ProfileForm(BaseModel):
    name: str
    profile_image_url: str
    bio: str | None = None
    gender: str | None = None
    date_of_birth: str | None = None


class LdapForm(BaseModel):
    user: str
    password: str


class TimezoneForm(BaseModel):
    timezone: str


class AdminConfigForm(BaseModel):
    ENABLE_SIGNUP: bool | None = None
    ENABLE_LOGIN_FORM: bool | None = None
    DEFAULT_USER_ROLE: str | None = None
    JWT_EXPIRES_IN: str | None = None
    ENABLE_API_KEYS: bool | None = None
    SHOW_ADMIN_DETAILS: bool | None = None


def _with_cookie(request: Request, body: dict, token: str, expires_at: int | None) -> Response:
    settings = request.app.state.services.settings
    response = JSONResponse(body)
    max_age = max(0, expires_at - int(time.time())) if expires_at else None
    response.set_cookie("token", token, max_age=max_age, path="/", httponly=True,
                        secure=settings.cookie_secure, samesite=settings.cookie_same_site)
    return response


@endpoint(write=True, auth_route=True, overrides=_FORM_ERRORS)
async def sign_up(request: Request, ctx: Context) -> Response:
    form = await parse_body(request, SignUpForm)
    session = await auth.sign_up(ctx, auth.SignUp(**form.model_dump()))
    return _with_cookie(request, serializers.signin(session), session.token, session.expires_at)


@endpoint(auth_route=True)
async def sign_in(request: Request, ctx: Context) -> Response:
    form = await parse_body(request, SignInForm)
    session = await auth.sign_in(ctx, form.email, form.password)
    return _with_cookie(request, serializers.signin(session), session.token, session.expires_at)


@endpoint(write=True, auth_route=True)
async def sign_out(request: Request, ctx: Context) -> Response:
    await auth.sign_out(ctx)
    response = JSONResponse({"status": True})
    for cookie in ("token", "oauth_id_token", "oauth_session_id", "owui-session", "oui-session"):
        response.delete_cookie(cookie, path="/")
    return response


@endpoint(auth_route=True)
async def session_user(request: Request, ctx: Context) -> Response:
    session = await auth.current_session(ctx)
    return _with_cookie(request, serializers.session_user(session), session.token,
                        session.expires_at)


@endpoint(write=True, auth_route=True, overrides=_FORM_ERRORS)
async def add_user(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, AddUserForm)
    session = await auth.add_user(ctx, auth.NewUser(**form.model_dump()))
    user = session.user
    return {"token": session.token, "token_type": "Bearer", "id": user.id, "email": user.email,
            "name": user.name, "role": user.role, "profile_image_url": user.profile_image_url}


@endpoint(write=True, auth_route=True)
async def update_password(request: Request, ctx: Context) -> bool:
    form = await parse_body(request, PasswordForm)
    return await auth.change_password(ctx, form.password, form.new_password)


@endpoint(write=True, auth_route=True, overrides=_FORM_ERRORS)
async def update_profile(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ProfileForm)
    user = await users.update_profile(ctx, users.ProfileUpdate(**form.model_dump()))
    return {"id": user.id, "name": user.name, "role": user.role, "email": user.email,
            "profile_image_url": user.profile_image_url}


@endpoint(write=True, auth_route=True)
async def update_timezone(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, TimezoneForm)
    await users.update_timezone(ctx, form.timezone)
    return {"status": True}


@endpoint(auth_route=True)
async def ldap_sign_in(request: Request, ctx: Context) -> Response:
    """LDAP sign-in is not offered (`/api/config` says `features.enable_ldap: false`)."""
    await parse_body(request, LdapForm)
    return JSONResponse({"detail": "LDAP authentication is not enabled"}, status_code=400)


@endpoint(auth_route=True)
async def get_api_key(request: Request, ctx: Context) -> dict:
    return {"api_key": await auth.get_api_key(ctx)}


@endpoint(write=True, auth_route=True)
async def create_api_key(request: Request, ctx: Context) -> dict:
    return {"api_key": await auth.create_api_key(ctx)}


@endpoint(write=True, auth_route=True)
async def delete_api_key(request: Request, ctx: Context) -> bool:
    return await auth.delete_api_key(ctx)


_ADMIN_FIELDS = {"ENABLE_SIGNUP": "enable_signup", "ENABLE_LOGIN_FORM": "enable_login_form",
                 "DEFAULT_USER_ROLE": "default_user_role", "JWT_EXPIRES_IN": "jwt_expires_in",
                 "ENABLE_API_KEYS": "enable_api_keys", "SHOW_ADMIN_DETAILS": "show_admin_details"}


def _admin_config(config: server_config.AuthConfig) -> dict:
    return {upper: getattr(config, lower) for upper, lower in _ADMIN_FIELDS.items()}


@endpoint(auth_route=True)
async def get_admin_config(request: Request, ctx: Context) -> dict:
    return _admin_config(await server_config.get_auth_config(ctx))


@endpoint(write=True, auth_route=True)
async def update_admin_config(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, AdminConfigForm)
    changes = {_ADMIN_FIELDS[k]: v for k, v in form.model_dump(exclude_none=True).items()}
    return _admin_config(await server_config.update_auth_config(ctx, changes))


@endpoint(auth_route=True)
async def admin_details(request: Request, ctx: Context) -> dict:
    contact = await server_config.admin_contact(ctx)
    return {"name": contact.name, "email": contact.email}


def routes() -> list[Route]:
    v1 = "/api/v1/auths"
    return [
        Route(f"{v1}", session_user, methods=["GET"]),
        Route(f"{v1}/signup", sign_up, methods=["POST"]),
        Route(f"{v1}/signin", sign_in, methods=["POST"]),
        Route(f"{v1}/signout", sign_out, methods=["POST", "GET"]),
        Route(f"{v1}/add", add_user, methods=["POST"]),
        Route(f"{v1}/update/password", update_password, methods=["POST"]),
        Route(f"{v1}/update/profile", update_profile, methods=["POST"]),
        Route(f"{v1}/update/timezone", update_timezone, methods=["POST"]),
        Route(f"{v1}/ldap", ldap_sign_in, methods=["POST"]),
        Route(f"{v1}/api_key", get_api_key, methods=["GET"]),
        Route(f"{v1}/api_key", create_api_key, methods=["POST"]),
        Route(f"{v1}/api_key", delete_api_key, methods=["DELETE"]),
        Route(f"{v1}/admin/details", admin_details, methods=["GET"]),
        Route(f"{v1}/admin/config", get_admin_config, methods=["GET"]),
        Route(f"{v1}/admin/config", update_admin_config, methods=["POST"]),
        # The documented short routes.
        Route("/api/auth/signup", sign_up, methods=["POST"]),
        Route("/api/auth/signin", sign_in, methods=["POST"]),
        Route("/api/auth/signout", sign_out, methods=["POST"]),
    ]
