"""Health, readiness, version and `/api/config` in Open WebUI's shapes, with Parley's own
name, version and real feature flags."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from compat_rest.common import rest_context, services
from compat_rest.openwebui.errors import endpoint, error_response
from resolvers.auth import accounts as auth
from resolvers.context import Context
from resolvers.system import system
from resolvers.users.permissions import effective_permissions

# What this server really offers today; flags turn on as features land.
_SIGNED_IN_FEATURES = {
    "enable_password_change_form": True, "enable_version_update_check": False,
    "enable_direct_connections": False, "enable_functions": False, "enable_tools": False,
    "enable_folders": False, "enable_channels": False, "enable_notes": False,
    "enable_web_search": False, "enable_code_execution": False,
    "enable_code_interpreter": False, "enable_image_generation": False,
    "enable_autocomplete_generation": False, "enable_title_generation": False,
    "enable_tags_generation": False, "enable_community_sharing": False,
    "enable_message_rating": False, "enable_user_webhooks": False, "enable_memories": False,
    "enable_admin_export": False, "enable_admin_analytics": False,
    "enable_pyodide_file_persistence": False, "enable_public_active_users_count": False,
    "enable_easter_eggs": False, "enable_direct_integrations": False, "enable_plugins": False,
    "enable_tool_servers": False, "enable_terminal_servers": False,
    "folder_max_file_count": None, "enable_encrypted_channels": False, "enable_apps": False,
    "enable_calendar": False, "enable_automations": False, "enable_context_compaction": False,
    "enable_tool_permissions": False, "enable_web_search_confirmation": False,
    "web_search_confirmation_content": "", "enable_follow_up_generation": False,
    "enable_user_status": False, "enable_google_drive_integration": False,
    "enable_onedrive_integration": False, "enable_subagents": False,
}
# Keys Open WebUI's web client reads after sign-in, at the values that mean "not offered"
# (the engines are Open WebUI's defaults; nothing runs them while the features are off).
_SIGNED_IN_KEYS = {
    "default_models": "", "default_pinned_models": "", "default_prompt_suggestions": [],
    "default_prompt_suggestions_i18n": {},
    "code": {"engine": "pyodide", "interpreter_engine": "pyodide"},
    "audio": {"realtime": {"enabled": False, "model": "", "voice": ""},
              "tts": {"engine": "", "voice": "", "split_on": "punctuation"},
              "stt": {"engine": ""}},
    "file": {"max_size": None, "max_count": None,
             "image_compression": {"width": None, "height": None}},
    "google_drive": {"client_id": "", "api_key": ""},
    "onedrive": {"client_id_personal": "", "client_id_business": "", "sharepoint_url": "",
                 "sharepoint_tenant_id": ""},
    "license_metadata": None,
}


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": True})


async def ready(request: Request) -> JSONResponse:
    if not services(request).ready:
        return error_response(503, "Startup not complete")
    if not await services(request).pubsub.ping():
        return error_response(503, "Pub/sub broker not ready")
    return await health_db(request)


async def health_db(request: Request) -> JSONResponse:
    ctx = rest_context(request)
    async with ctx.unit_of_work():
        ok = await system.database_ok(ctx)
    return JSONResponse({"status": True}) if ok else error_response(503, "Database not ready")


async def version(request: Request) -> JSONResponse:
    return JSONResponse({"version": system.VERSION,
                         "deployment_id": services(request).settings.deployment_id})


@endpoint()
async def version_updates(request: Request, ctx: Context) -> dict:
    return {"current": system.VERSION, "latest": await system.latest_version(ctx)}


async def changelog(request: Request) -> JSONResponse:
    """Open WebUI's release notes, keyed by version; Parley ships none."""
    return JSONResponse({})


@endpoint()
async def app_config(request: Request, ctx: Context) -> dict:
    viewer = await auth.viewer_or_none(ctx)
    config = await system.public_config(ctx, viewer)
    flags = config.auth
    body = {
        "status": True, "name": system.NAME, "version": system.VERSION,
        # No translations of our own: the client's bundled ones and its own choice apply.
        "default_locale": "", "i18n": {},
        "oauth": {"providers": {}, "auto_redirect": False},
        "features": {"slim": False, "auth": True, "auth_trusted_header": False,
                     "enable_ldap": False,
                     "enable_signup_password_confirmation": False,
                     "enable_signup": flags.enable_signup,
                     "enable_login_form": flags.enable_login_form, "enable_websocket": True},
    }
    if viewer is None:
        if not config.has_users:
            body["onboarding"] = True
        return body
    body["features"] |= _SIGNED_IN_FEATURES | {"enable_api_keys": flags.enable_api_keys,
                                               "enable_admin_chat_access":
                                                   ctx.settings.enable_admin_chat_access}
    if viewer.role == "pending":
        body["ui"] = {"pending_user_overlay_title": "", "pending_user_overlay_content": ""}
        return body
    body |= _SIGNED_IN_KEYS | {
        "permissions": await effective_permissions(ctx, viewer.user),
        "ui": {"default_interface_settings": config.interface_defaults, "visibility": {},
               "pending_user_overlay_title": "", "pending_user_overlay_content": "",
               "response_watermark": "", "iframe_csp": ""},
    }
    return body


def routes() -> list[Route]:
    return [
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/health/db", health_db, methods=["GET"]),
        Route("/api/version", version, methods=["GET"]),
        Route("/api/version/updates", version_updates, methods=["GET"]),
        Route("/api/changelog", changelog, methods=["GET"]),
        Route("/api/config", app_config, methods=["GET"]),
    ]
