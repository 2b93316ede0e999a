"""Our generic top-level names (schema, data, ...) must resolve to this repository, and no
installed distribution may provide them; and starting the server imports only what
serving needs."""

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import compat_rest
from compat_rest.lazy import LazyRoutes

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("schema", "resolvers", "data", "compat_rest", "asgi", "cli")


def test_top_level_names_resolve_to_this_repository():
    for name in NAMES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        assert Path(spec.origin).resolve().is_relative_to(ROOT), (name, spec.origin)


def test_no_installed_distribution_provides_our_names():
    owners = importlib.metadata.packages_distributions()
    clashes = {name: owners[name] for name in NAMES if name in owners}
    assert clashes == {}


def test_a_started_server_has_not_imported_httpx_cryptography_or_a_lazy_surface(tmp_path):
    """Start-up stays small: the upstream client (aiohttp) is made on the first upstream
    request, the lazily routed surfaces load on their first request (sign-in and users
    over REST among them, with pydantic, which only REST bodies and WebSocket frames are
    checked with), PyJWT (with the cryptography package) on the first token, the embedded
    vector store (with numpy) on its first use, the file parsers on the first file,
    puremagic's signatures on the first audio or image, and asyncpg on a PostgreSQL
    server's first point read (this one is on SQLite); an unreachable upstream does not
    matter."""
    lazy = {table.module for table in compat_rest.routes() if isinstance(table, LazyRoutes)}
    script = textwrap.dedent("""
        import asyncio, json, sys
        import asgi

        async def start_and_stop():
            app = asgi.create_app()
            async with app.router.lifespan_context(app):
                pass

        asyncio.run(start_and_stop())
        print(json.dumps(sorted(sys.modules)))
    """)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DATA_DIR=str(tmp_path), WEBUI_SECRET_KEY="test-secret-key-0123456789abcdef",
               OLLAMA_BASE_URL="http://127.0.0.1:9", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = set(json.loads(done.stdout.splitlines()[-1]))
    assert "asgi" in imported and "compat_rest.openwebui.system" in imported
    assert {"compat_rest.openwebui.auths", "compat_rest.openwebui.users"} <= lazy
    heavy = {"aiohttp", "httpx", "cryptography", "numpy", "pypdf", "docx", "bs4",
             "langchain_text_splitters", "weaviate", "pydantic", "asyncpg", "puremagic"}
    assert sorted(imported & (lazy | heavy)) == []


def test_the_server_collects_garbage_again_once_its_imports_are_done(tmp_path):
    """`python asgi.py` pauses the collector while it imports (see asgi.py); the objects
    imported are frozen and collection is back on before the server runs."""
    script = textwrap.dedent("""
        import gc, runpy, sys
        sys.argv = ["asgi.py", "--migrate-only"]
        try:
            runpy.run_path("asgi.py", run_name="__main__")
        except SystemExit as done:
            assert done.code == 0, done.code
        print(gc.isenabled(), gc.get_freeze_count() > 10_000)
    """)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DATA_DIR=str(tmp_path), WEBUI_SECRET_KEY="test-secret-key-0123456789abcdef",
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == ["True", "True"]
