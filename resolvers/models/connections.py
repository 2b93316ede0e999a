"""The upstream connections themselves: their versions, their raw model lists, and the
settings admins change at run time (kept in Open WebUI's `config` rows)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from data.llm.base import OLLAMA, OPENAI, Connection, UpstreamError
from resolvers.completions.relay import upstream_failed
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound, UpstreamFailed
from resolvers.models.models import KIND_NAMES, connections, require_kind
from resolvers.permissions import require_admin, require_verified

_PATHS = {OLLAMA: "/api/tags", OPENAI: "/models"}
_KEYS = {OLLAMA: ("ollama.enable", "ollama.base_urls", "ollama.api_configs"),
         OPENAI: ("openai.enable", "openai.api_base_urls", "openai.api_configs")}


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("-")[0].split("."))


async def ollama_version(ctx: Context, *, url_idx: int | None = None) -> str | None:
    """Verified users (one connection by index: administrators). The lowest version among
    the enabled Ollama connections, or None when Ollama is switched off."""
    if url_idx is not None:
        await require_admin(ctx)
    else:
        await require_verified(ctx)
    conns = await connections(ctx)
    if not conns.ollama_enabled:
        return None
    targets = conns.of_kind(OLLAMA)
    if url_idx is not None:
        target = conns.get(OLLAMA, url_idx)
        if target is None:
            raise NotFound(f"There is no Ollama connection {url_idx}.",
                           reason="connection_not_found")
        targets = (target,)
    results = await asyncio.gather(*[ctx.services.llm.version(c) for c in targets],
                                   return_exceptions=True)
    versions = [r for r in results if isinstance(r, str)]
    if not versions:
        failures = [r for r in results if isinstance(r, UpstreamError)]
        if failures and url_idx is not None:
            raise upstream_failed(failures[0])
        raise UpstreamFailed("No Ollama connection answered.", reason="upstream_unreachable")
    return min(versions, key=_version_key)


async def connection_models(ctx: Context, kind: str, url_idx: int) -> Any:
    """Administrators: one connection's own model list, as it answered."""
    await require_admin(ctx)
    conns = await connections(ctx)
    require_kind(conns, kind)
    connection = conns.get(kind, url_idx)
    if connection is None:
        raise NotFound(f"There is no {KIND_NAMES[kind]} connection {url_idx}.",
                       reason="connection_not_found")
    try:
        return await ctx.services.llm.get_json(connection, _PATHS[kind],
                                               secrets=conns.secrets())
    except UpstreamError as error:
        raise upstream_failed(error) from None


async def loaded_models(ctx: Context) -> list[dict[str, Any]]:
    """Administrators: the models the enabled Ollama connections hold in memory (their
    `/api/ps`), each connection's prefix applied, merged by model with the indexes of
    the connections holding it (`urls`). A connection that fails adds nothing."""
    await require_admin(ctx)
    conns = await connections(ctx)
    targets = conns.of_kind(OLLAMA)

    async def loaded_on(connection: Connection) -> Any:
        try:
            return await ctx.services.llm.get_json(connection, "/api/ps",
                                                   secrets=conns.secrets())
        except UpstreamError:
            return None

    answers = await asyncio.gather(*map(loaded_on, targets))
    merged: dict[str, dict[str, Any]] = {}
    for connection, answer in zip(targets, answers, strict=True):
        items = answer.get("models") if isinstance(answer, dict) else None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("model"), str):
                continue
            model = item["model"]
            if connection.prefix_id:
                model = f"{connection.prefix_id}.{model}"
            seen = merged.get(model)
            if seen is None:
                merged[model] = dict(item, model=model, urls=[connection.idx])
            elif connection.idx not in seen["urls"]:
                seen["urls"].append(connection.idx)
    return list(merged.values())


@dataclass(frozen=True)
class ConnectionSettings:
    """One kind's connections as Open WebUI's config routes show them. Keys are masked:
    an unchanged mask sent back keeps the stored key."""

    enabled: bool
    base_urls: list[str]
    api_configs: dict[str, Any]
    api_keys: list[str] | None = None  # OpenAI keeps keys in a list beside the URLs


def mask(key: str) -> str:
    return "" if not key else (key[:3] + "…" + key[-4:] if len(key) > 12 else "…")


async def get_connection_settings(ctx: Context, kind: str) -> ConnectionSettings:
    """Administrators."""
    await require_admin(ctx)
    values = await ctx.services.config.get_all(ctx.session, fresh=True)
    enable, urls, configs = (values[k] for k in _KEYS[kind])
    configs = {i: (dict(c, key=mask(str(c["key"]))) if isinstance(c, dict) and c.get("key")
                   else c) for i, c in (configs or {}).items()}
    keys = [mask(str(k)) for k in values["openai.api_keys"]] if kind == OPENAI else None
    return ConnectionSettings(bool(enable), list(urls or []), configs, keys)


async def update_connection_settings(ctx: Context, kind: str, *, enabled: bool | None,
                                     base_urls: list[str] | None,
                                     api_configs: dict[str, Any] | None,
                                     api_keys: list[str] | None = None) -> ConnectionSettings:
    """Administrators. Entries of `api_configs` whose key is not a valid index are dropped
    (as Open WebUI does); the model catalog is asked again on its next read."""
    await require_admin(ctx)
    values = await ctx.services.config.get_all(ctx.session, fresh=True)
    enable_key, urls_key, configs_key = _KEYS[kind]
    changes: dict[str, Any] = {}
    if enabled is not None:
        changes[enable_key] = enabled
    urls = list(values[urls_key] or [])
    if base_urls is not None:
        urls = [_url(u) for u in base_urls]
        changes[urls_key] = urls
    if api_configs is not None:
        old = values[configs_key] or {}
        changes[configs_key] = {
            i: _keep_masked_key(c, old.get(i)) for i, c in api_configs.items()
            if i.isdigit() and int(i) < len(urls) and isinstance(c, dict)}
    if kind == OPENAI and (api_keys is not None or base_urls is not None):
        stored = list(values["openai.api_keys"] or [])
        given = api_keys if api_keys is not None else stored
        keys = [stored[i] if i < len(stored) and k == mask(stored[i]) else k
                for i, k in enumerate(given)]
        changes["openai.api_keys"] = (keys + [""] * len(urls))[: len(urls)]
    await ctx.services.config.set(ctx.session, changes)
    ctx.after_commit(_forget_catalog(ctx))
    return await get_connection_settings(ctx, kind)


def _keep_masked_key(config: dict, old: Any) -> dict:
    if isinstance(old, dict) and old.get("key") and config.get("key") == mask(str(old["key"])):
        return dict(config, key=old["key"])
    return config


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip().startswith(("http://", "https://")):
        raise Invalid(f"{value!r} is not an http(s) URL.", reason="invalid_url")
    return value.strip().rstrip("/")


def _forget_catalog(ctx: Context):
    async def forget() -> None:
        ctx.services.llm.forget_catalog()
    return forget
