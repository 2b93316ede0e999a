from tests.conftest import bearer


async def test_health_ready_version(client):
    assert (await client.get("/health")).json() == {"status": True}
    assert (await client.get("/ready")).json() == {"status": True}
    assert (await client.get("/health/db")).json() == {"status": True}
    version = (await client.get("/api/version")).json()
    assert version["version"] and version["deployment_id"] == ""


async def test_config_for_anonymous_and_signed_in_callers(client, accounts):
    anonymous = (await client.get("/api/config")).json()
    assert anonymous["name"] == "Parley" and anonymous["onboarding"] is True
    assert anonymous["features"]["enable_signup"] is True
    assert "enable_api_keys" not in anonymous["features"]
    admin = await accounts.admin()
    after = (await client.get("/api/config")).json()
    assert "onboarding" not in after and after["features"]["enable_signup"] is False
    signed_in = (await client.get("/api/config/", headers=bearer(admin["token"]))).json()
    assert signed_in["features"]["enable_api_keys"] is False
    assert "permissions" in signed_in and "default_models" in signed_in
    # A bad token is treated as anonymous here, as Open WebUI does.
    assert (await client.get("/api/config", headers=bearer("junk"))).status_code == 200


async def test_unknown_route_is_a_json_404(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404


ALWAYS = {"status", "name", "version", "default_locale", "i18n", "oauth", "features"}
ALWAYS_FEATURES = {"slim", "auth", "auth_trusted_header", "enable_signup_password_confirmation",
                   "enable_ldap", "enable_signup", "enable_login_form", "enable_websocket"}
SIGNED_IN_FEATURES = ALWAYS_FEATURES | {
    "enable_api_keys", "enable_password_change_form", "enable_version_update_check",
    "enable_pyodide_file_persistence", "enable_public_active_users_count",
    "enable_easter_eggs", "enable_direct_connections", "enable_direct_integrations",
    "enable_plugins", "enable_tools", "enable_functions", "enable_tool_servers",
    "enable_terminal_servers", "enable_folders", "folder_max_file_count", "enable_channels",
    "enable_encrypted_channels", "enable_apps", "enable_calendar", "enable_automations",
    "enable_notes", "enable_context_compaction", "enable_tool_permissions",
    "enable_web_search", "enable_web_search_confirmation", "web_search_confirmation_content",
    "enable_code_execution", "enable_code_interpreter", "enable_image_generation",
    "enable_autocomplete_generation", "enable_title_generation",
    "enable_follow_up_generation", "enable_tags_generation", "enable_community_sharing",
    "enable_message_rating", "enable_user_webhooks", "enable_user_status",
    "enable_admin_export", "enable_admin_chat_access", "enable_admin_analytics",
    "enable_google_drive_integration", "enable_onedrive_integration", "enable_memories",
    "enable_subagents"}
APPROVED = ALWAYS | {"default_models", "default_pinned_models", "default_prompt_suggestions",
                     "default_prompt_suggestions_i18n", "code", "audio", "file", "permissions",
                     "google_drive", "onedrive", "ui", "license_metadata"}


async def test_config_has_open_webuis_keys_for_each_caller(client, accounts):
    """The keys Open WebUI 0.12.4 sends, caller by caller (its optional, licence-only
    keys aside), so its web client finds every one it reads."""
    anonymous = (await client.get("/api/config")).json()
    assert set(anonymous) == ALWAYS | {"onboarding"}
    assert isinstance(anonymous["i18n"], dict) and isinstance(anonymous["default_locale"], str)
    assert set(anonymous["features"]) == ALWAYS_FEATURES
    await accounts.admin()
    pending = await accounts.user("pending@example.com", role="pending")
    waiting = (await client.get("/api/config", headers=bearer(pending["token"]))).json()
    assert set(waiting) == ALWAYS | {"ui"}
    assert set(waiting["ui"]) == {"pending_user_overlay_title", "pending_user_overlay_content"}
    assert set(waiting["features"]) == SIGNED_IN_FEATURES
    user = await accounts.user("approved@example.com")
    approved = (await client.get("/api/config", headers=bearer(user["token"]))).json()
    assert set(approved) == APPROVED
    assert set(approved["features"]) == SIGNED_IN_FEATURES
    assert set(approved["ui"]) == {"default_interface_settings", "visibility",
                                   "pending_user_overlay_title",
                                   "pending_user_overlay_content", "response_watermark",
                                   "iframe_csp"}
    assert set(approved["code"]) == {"engine", "interpreter_engine"}
    assert set(approved["audio"]) == {"realtime", "tts", "stt"}


async def test_version_updates_and_changelog(client, accounts):
    assert (await client.get("/api/version/updates")).status_code == 401
    admin = await accounts.admin()
    updates = await client.get("/api/version/updates", headers=bearer(admin["token"]))
    assert updates.status_code == 200
    current = (await client.get("/api/version")).json()["version"]
    assert updates.json() == {"current": current, "latest": current}  # no update check
    changelog = await client.get("/api/changelog")
    assert changelog.status_code == 200 and changelog.json() == {}
