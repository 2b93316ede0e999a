"""Settings of functions and of the worker processes that run them, read from the
environment by data/settings.py (Open WebUI's names where it has them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from data.env import flag, whole_number


class FunctionSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class FunctionSettings:
    enabled: bool = True  # ENABLE_FUNCTIONS (Open WebUI 0.12.4 also reads ENABLE_PLUGINS)
    # Open WebUI's default is off; Parley encrypts unless told not to. Reading accepts
    # both forms either way, as Open WebUI's does.
    valve_encryption: bool = True
    workers: int = 2  # processes kept for calls; more calls wait for one
    queue_timeout: float = 10.0  # seconds a call waits for a free worker, then 503
    wall_seconds: float = 60.0  # one call, start to end
    cpu_seconds: int = 30  # one call's CPU time (RLIMIT_CPU)
    memory_bytes: int = 1024 * 1024**2  # a worker's address space (RLIMIT_AS)
    output_bytes: int = 4 * 1024**2  # what one call prints, and what it answers


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return whole_number(env, name, default, low, high, FunctionSettingsError)


def load_function_settings(env: Mapping[str, str]) -> FunctionSettings:
    name = "ENABLE_FUNCTIONS" if (env.get("ENABLE_FUNCTIONS") or "").strip() else \
        "ENABLE_PLUGINS"
    return FunctionSettings(
        enabled=flag(env, name, True, FunctionSettingsError),
        valve_encryption=flag(env, "ENABLE_VALVE_ENCRYPTION", True, FunctionSettingsError),
        workers=_int(env, "FUNCTION_WORKERS", 2, 1, 64),
        queue_timeout=float(_int(env, "FUNCTION_QUEUE_TIMEOUT_MS", 10_000, 1, 600_000))
        / 1000,
        wall_seconds=float(_int(env, "FUNCTION_TIMEOUT_MS", 60_000, 100, 3_600_000)) / 1000,
        cpu_seconds=_int(env, "FUNCTION_CPU_SECONDS", 30, 1, 3600),
        memory_bytes=_int(env, "FUNCTION_MEMORY_MB", 1024, 64, 1024 * 1024) * 1024**2,
        output_bytes=_int(env, "FUNCTION_OUTPUT_KB", 4096, 1, 1024 * 1024) * 1024,
    )
