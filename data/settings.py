"""Process settings, read from the environment once (in asgi.py) and passed down.

Variable names follow Open WebUI wherever it has one, so an existing deployment's
environment keeps working. Runtime settings that Open WebUI keeps in its `config`
table (sign-up switch, default role, ...) are only *seeded* from here: see
`runtime_seed` and data/repos/config.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from data.audio.settings import AudioSettingsError, audio_seed, audio_timeout
from data.embeddings.settings import (
    EmbeddingSettings,
    EmbeddingSettingsError,
    load_embedding_settings,
)
from data.engines.image_settings import (
    ImageLimits,
    ImageSettingsError,
    image_seed,
    load_image_limits,
)
from data.env import flag, whole_number
from data.file_settings import FileSettings, FileSettingsError, load_file_settings
from data.functions.settings import (
    FunctionSettings,
    FunctionSettingsError,
    load_function_settings,
)
from data.llm.settings import (
    UpstreamSettings,
    UpstreamSettingsError,
    load_upstream_settings,
    upstream_seed,
)
from data.rag_settings import rag_seed
from data.task_settings import TaskSettingsError, task_seed
from data.vectors.settings import VectorSettings, VectorSettingsError, load_vector_settings


class SettingsError(ValueError):
    """A bad environment value; its message is the one line shown at start-up."""


ROLES = ("pending", "user", "admin")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"(\d+)\s*(b|kb|mb|gb|k|m|g)?", re.IGNORECASE)
_SIZE_FACTOR = {None: 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2,
                "g": 1024**3, "gb": 1024**3}


def parse_duration(text: str) -> float | None:
    """Open WebUI's duration syntax ('4w', '1h30m', '-1'); None means 'never expires'."""
    text = text.strip()
    if text in ("-1", "0"):
        return None
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise SettingsError(f"invalid duration {text!r}: use e.g. 4w, 12h, 1h30m, or -1 for never")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def parse_size(text: str) -> int:
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise SettingsError(f"invalid size {text!r}: use bytes or a unit, e.g. 32MB")
    return int(match.group(1)) * _SIZE_FACTOR[(match.group(2) or "").lower() or None]


def database_url(raw: str) -> str:
    """Map the URLs Open WebUI accepts onto our async drivers."""
    scheme, sep, rest = raw.partition("://")
    if not sep:
        raise SettingsError(f"DATABASE_URL {raw!r} is not a URL")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"):
        return "postgresql+asyncpg://" + rest
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return "sqlite+aiosqlite://" + rest
    raise SettingsError(f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:// or postgresql://")


def pubsub_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme == "postgresql":
        return "postgres" + raw[len("postgresql"):]
    if scheme in ("memory", "redis", "rediss", "postgres"):
        return raw
    raise SettingsError(f"PUBSUB_URL {raw!r}: use memory://, redis://, rediss:// or postgres://")


def deployment_prefix(url: str) -> str:
    """REDIS_KEY_PREFIX's default: a short hash of the database's identity, so instances
    on one database share their channels and keys, and deployments on other databases
    sharing the broker never meet. Who connects (user, password, driver) is left out."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or name.startswith("file::memory:"):
            return f"parley-{secrets.token_hex(6)}"  # a database of this process alone
        identity = f"sqlite:{Path(name).resolve()}"
    else:
        host = parsed.host or parsed.query.get("host") or "localhost"
        identity = f"postgresql://{str(host).lower()}:{parsed.port or 5432}/{parsed.database}"
    return f"parley-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"


def key_prefix(raw: str | None, database: str) -> str:
    """An explicit REDIS_KEY_PREFIX wins; it is joined to names with ':' as Open WebUI's."""
    prefix = (raw or "").strip()
    if not prefix:
        return deployment_prefix(database)
    if any(c.isspace() or not c.isprintable() for c in prefix) or len(prefix) > 64:
        raise SettingsError(f"REDIS_KEY_PREFIX={raw!r}: expected up to 64 printable "
                            "characters without spaces")
    return prefix


@dataclass(frozen=True)
class RuntimeSeed:
    """Values written to the `config` table on first start (Open WebUI's dotted keys)."""

    values: Mapping[str, object]
    persistent: bool = True  # ENABLE_PERSISTENT_CONFIG=false makes the environment win


@dataclass(frozen=True)
class Argon2Parameters:
    """The cost of hashing a new password: memory in KiB, passes, lanes."""

    memory_kib: int
    time_cost: int
    parallelism: int


_ARGON2 = re.compile(r"m=(\d+),t=(\d+),p=(\d+)")


def argon2_parameters(raw: str) -> Argon2Parameters | None:
    """PASSWORD_ARGON2_PARAMS in the notation argon2 hashes carry, e.g. m=65536,t=3,p=4;
    unset means the argon2 library's current recommendation."""
    text = raw.strip().replace(" ", "")
    if not text:
        return None
    match = _ARGON2.fullmatch(text)
    if not match:
        raise SettingsError(f"PASSWORD_ARGON2_PARAMS={raw!r}: expected m=<KiB>,t=<passes>,"
                            "p=<lanes>, e.g. m=65536,t=3,p=4")
    memory, passes, lanes = (int(g) for g in match.groups())
    # argon2's own bounds: at least 8 KiB of memory per lane; the upper ones keep a typo
    # from making every sign-in take minutes or gigabytes.
    if not (1 <= lanes <= 64 and 8 * lanes <= memory <= 4 * 1024**2 and 1 <= passes <= 100):
        raise SettingsError(f"PASSWORD_ARGON2_PARAMS={raw!r}: need 1 <= p <= 64, "
                            "8*p <= m <= 4194304 and 1 <= t <= 100")
    return Argon2Parameters(memory_kib=memory, time_cost=passes, parallelism=lanes)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    pubsub_url: str = "memory://"
    redis_key_prefix: str = ""  # empty: derived from the database (deployment_prefix)
    cors_allow_origins: tuple[str, ...] = ("*",)
    cookie_secure: bool = False
    cookie_same_site: str = "lax"
    admin_email: str | None = None
    admin_password: str | None = None
    admin_name: str = "Admin"
    enable_password_auth: bool = True
    enable_admin_chat_access: bool = True
    max_body_size: int = 32 * 1024**2
    body_read_timeout: float = 60.0  # seconds a client has to send a whole request body
    graphql_max_depth: int = 15
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 5000
    graphql_ws_init_timeout: int = 60  # seconds a WebSocket may wait before connection_init
    shutdown_grace: int = 10  # seconds open requests get to finish when the server stops
    signin_attempts: int = 15
    signin_window_seconds: int = 180
    deployment_id: str = ""
    access_log: bool = False
    auto_migrate: bool = True
    scim_enabled: bool = False
    scim_token: str | None = None  # the identity provider's bearer token for /scim/v2
    password_argon2: Argon2Parameters | None = None  # None: the library's recommendation
    runtime: RuntimeSeed = field(default_factory=lambda: RuntimeSeed({}))
    upstreams: UpstreamSettings = field(default_factory=UpstreamSettings)
    vectors: VectorSettings = field(default_factory=VectorSettings)  # VECTOR_DB, RAG_TOP_K...
    embeddings: EmbeddingSettings = field(default_factory=EmbeddingSettings)
    files: FileSettings | None = None  # None only in settings built by hand
    functions: FunctionSettings = field(default_factory=FunctionSettings)
    # Engine URLs (images, audio) may point at link-local / cloud metadata addresses
    # only when this is on: data/engines/urls.py.
    engine_urls_allow_link_local: bool = False
    audio_timeout: float | None = 300.0  # a speech engine's whole answer; None: no limit
    images: ImageLimits = field(default_factory=ImageLimits)
    evaluation_concurrency: int = 4  # cases an evaluation run asks at once
    # Seconds between an instance renewing the leases of the runs it runs (and looking for
    # orphaned ones), and the age past which a running run's lease means its instance is
    # gone: resolvers/tasks/leases.py.
    run_heartbeat_interval: float = 10.0
    run_lease_timeout: float = 60.0

    def __post_init__(self) -> None:
        if not self.redis_key_prefix:
            object.__setattr__(self, "redis_key_prefix", deployment_prefix(self.database_url))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def database_location(self) -> str:
        """The database for people to read: a file's path, or the URL without password."""
        url = make_url(self.database_url)
        if self.is_sqlite:
            return f"SQLite file {url.database}"
        return url.render_as_string(hide_password=True)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    return flag(env, name, default, SettingsError)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return whole_number(env, name, default, low, high, SettingsError)


def _make_data_dir(data_dir: Path) -> None:
    """Create DATA_DIR as Open WebUI does: a fresh install names a folder that does not
    exist yet, and SQLite would otherwise stop with "unable to open database file"."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingsError(f"DATA_DIR={str(data_dir)!r}: cannot create it ({error.strerror})"
                            ) from None


def _seconds(env: Mapping[str, str], name: str, default: float, low: float, high: float
             ) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a number of seconds") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r}: expected seconds from {low:g} to {high:g}")
    return value


def _secret(env: Mapping[str, str], data_dir: Path) -> str:
    """WEBUI_SECRET_KEY, else one generated once and kept in DATA_DIR (never a constant)."""
    key = env.get("WEBUI_SECRET_KEY") or env.get("WEBUI_JWT_SECRET_KEY")
    if key:
        return key
    path = data_dir / ".webui_secret_key"
    if path.exists():
        stored = path.read_text().strip()
        if stored:
            return stored
    generated = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generated)
    return generated


def _runtime_seed(env: Mapping[str, str]) -> RuntimeSeed:
    role = env.get("DEFAULT_USER_ROLE", "pending").strip() or "pending"
    if role not in ROLES:
        raise SettingsError(f"DEFAULT_USER_ROLE={role!r}: expected one of {', '.join(ROLES)}")
    expiry = env.get("JWT_EXPIRES_IN", "4w").strip() or "4w"
    parse_duration(expiry)
    values = {
        "ui.enable_signup": _bool(env, "ENABLE_SIGNUP", True),
        "ui.enable_login_form": _bool(env, "ENABLE_LOGIN_FORM", True),
        "ui.default_user_role": role,
        "auth.jwt_expiry": expiry,
        "auth.enable_api_keys": _bool(env, "ENABLE_API_KEYS", False),
        "auth.admin.show": _bool(env, "SHOW_ADMIN_DETAILS", True),
    }
    if (env.get("RAG_TEMPLATE") or "").strip():  # the grounded answers' prompt
        values["rag.template"] = env["RAG_TEMPLATE"]
    if (env.get("ADMIN_EMAIL") or "").strip():  # whom /auths/admin/details names
        values["auth.admin.email"] = env["ADMIN_EMAIL"].strip().lower()
    try:
        values |= upstream_seed(env) | task_seed(env) | audio_seed(env) | image_seed(env)
    except (UpstreamSettingsError, TaskSettingsError, AudioSettingsError,
            ImageSettingsError) as error:
        raise SettingsError(str(error)) from None
    values |= rag_seed(*_retrieval(env))
    return RuntimeSeed(values, persistent=_bool(env, "ENABLE_PERSISTENT_CONFIG", True))


def _audio_timeout(env: Mapping[str, str]) -> float | None:
    try:
        return audio_timeout(env)
    except AudioSettingsError as error:
        raise SettingsError(str(error)) from None


def _scim(env: Mapping[str, str]) -> tuple[bool, str | None]:
    """ENABLE_SCIM (Open WebUI also reads SCIM_ENABLED) and the provisioning token."""
    name = "ENABLE_SCIM" if env.get("ENABLE_SCIM") not in (None, "") else "SCIM_ENABLED"
    enabled = _bool(env, name, False)
    token = (env.get("SCIM_TOKEN") or "").strip() or None
    if enabled and token is None:
        raise SettingsError(f"{name}=true needs SCIM_TOKEN, the bearer token the identity "
                            "provider sends to /scim/v2")
    return enabled, token


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every variable; raise SettingsError naming the first bad one."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("DATA_DIR") or "./var").resolve()
    _make_data_dir(data_dir)
    raw_db = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'webui.db'}"
    raw_pubsub = env.get("PUBSUB_URL") or env.get("REDIS_URL") or "memory://"
    same_site = (env.get("WEBUI_AUTH_COOKIE_SAME_SITE") or env.get("WEBUI_SESSION_COOKIE_SAME_SITE")
                 or "lax").lower()
    if same_site not in ("lax", "strict", "none"):
        raise SettingsError(
            f"WEBUI_AUTH_COOKIE_SAME_SITE={same_site!r}: expected lax, strict or none")
    raw_origins = (env.get("CORS_ALLOW_ORIGIN") or "*").split(";")
    origins = tuple(o.strip() for o in raw_origins if o.strip())
    admin_email, admin_password = env.get("WEBUI_ADMIN_EMAIL"), env.get("WEBUI_ADMIN_PASSWORD")
    if bool(admin_email) != bool(admin_password):
        raise SettingsError("WEBUI_ADMIN_EMAIL and WEBUI_ADMIN_PASSWORD must be set together")
    scim_enabled, scim_token = _scim(env)
    database = database_url(raw_db)
    return Settings(
        data_dir=data_dir,
        database_url=database,
        secret_key=_secret(env, data_dir),
        host=env.get("HOST") or "127.0.0.1",
        port=_int(env, "PORT", 8080, 1, 65535),
        workers=_int(env, "UVICORN_WORKERS", 1, 1, 64),
        pubsub_url=pubsub_url(raw_pubsub),
        redis_key_prefix=key_prefix(env.get("REDIS_KEY_PREFIX"), database),
        cors_allow_origins=origins or ("*",),
        cookie_secure=_bool(env, "WEBUI_AUTH_COOKIE_SECURE",
                            _bool(env, "WEBUI_SESSION_COOKIE_SECURE", False)),
        cookie_same_site=same_site,
        admin_email=admin_email.strip().lower() if admin_email else None,
        admin_password=admin_password or None,
        admin_name=env.get("WEBUI_ADMIN_NAME") or "Admin",
        enable_password_auth=_bool(env, "ENABLE_PASSWORD_AUTH", True),
        enable_admin_chat_access=_bool(env, "ENABLE_ADMIN_CHAT_ACCESS", True),
        max_body_size=parse_size(env.get("MAX_BODY_SIZE") or "32MB"),
        body_read_timeout=_seconds(env, "BODY_READ_TIMEOUT", 60.0, 0.1, 3600),
        graphql_max_depth=_int(env, "GRAPHQL_MAX_DEPTH", 15, 2, 100),
        graphql_max_aliases=_int(env, "GRAPHQL_MAX_ALIASES", 30, 1, 1000),
        graphql_max_tokens=_int(env, "GRAPHQL_MAX_TOKENS", 5000, 100, 1_000_000),
        graphql_ws_init_timeout=_int(env, "GRAPHQL_WS_INIT_TIMEOUT", 60, 1, 3600),
        shutdown_grace=_int(env, "GRACEFUL_SHUTDOWN_TIMEOUT", 10, 0, 3600),
        signin_attempts=_int(env, "SIGNIN_RATE_LIMIT", 15, 1, 10_000),
        deployment_id=env.get("DEPLOYMENT_ID", ""),
        access_log=_bool(env, "ENABLE_ACCESS_LOG", False),
        auto_migrate=_bool(env, "ENABLE_DB_MIGRATIONS", True),
        scim_enabled=scim_enabled,
        scim_token=scim_token,
        password_argon2=argon2_parameters(env.get("PASSWORD_ARGON2_PARAMS") or ""),
        runtime=_runtime_seed(env),
        upstreams=_upstreams(env),
        vectors=_retrieval(env)[0],
        embeddings=_retrieval(env)[1],
        files=_files(env, data_dir),
        functions=_functions(env),
        engine_urls_allow_link_local=_bool(env, "ENGINE_URLS_ALLOW_LINK_LOCAL", False),
        audio_timeout=_audio_timeout(env),
        images=_images(env),
        evaluation_concurrency=_int(env, "EVALUATION_CONCURRENCY", 4, 1, 64),
        **_run_leases(env),
    )


def _run_leases(env: Mapping[str, str]) -> dict[str, float]:
    interval = _seconds(env, "RUN_HEARTBEAT_INTERVAL", 10.0, 0.05, 3600)
    timeout = _seconds(env, "RUN_LEASE_TIMEOUT", 60.0, 0.1, 86400)
    # A lease is renewed every interval: with less than two, one late renewal (a busy
    # database, a long pause) would make a live instance's runs look orphaned.
    if timeout < 2 * interval:
        raise SettingsError(f"RUN_LEASE_TIMEOUT={timeout:g} must be at least twice "
                            f"RUN_HEARTBEAT_INTERVAL={interval:g}")
    return {"run_heartbeat_interval": interval, "run_lease_timeout": timeout}


def _images(env: Mapping[str, str]) -> ImageLimits:
    try:
        return load_image_limits(env)
    except ImageSettingsError as error:
        raise SettingsError(str(error)) from None


def _retrieval(env: Mapping[str, str]) -> tuple[VectorSettings, EmbeddingSettings]:
    try:
        return load_vector_settings(env), load_embedding_settings(env)
    except (VectorSettingsError, EmbeddingSettingsError) as error:
        raise SettingsError(str(error)) from None


def _upstreams(env: Mapping[str, str]) -> UpstreamSettings:
    try:
        return load_upstream_settings(env)
    except UpstreamSettingsError as error:
        raise SettingsError(str(error)) from None


def _files(env: Mapping[str, str], data_dir: Path) -> FileSettings:
    try:
        return load_file_settings(env, data_dir)
    except FileSettingsError as error:
        raise SettingsError(str(error)) from None


def _functions(env: Mapping[str, str]) -> FunctionSettings:
    try:
        return load_function_settings(env)
    except FunctionSettingsError as error:
        raise SettingsError(str(error)) from None
