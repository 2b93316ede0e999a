"""The GraphiQL page loads only local assets, fetched pinned and integrity-checked."""

import base64
import hashlib
import importlib.util
import io
import re
import subprocess
import sys
import tarfile
import urllib.error
from html.parser import HTMLParser
from pathlib import Path

import pytest

from schema.graphiql import assets_available, graphiql_page

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch_graphiql.py"
_spec = importlib.util.spec_from_file_location("fetch_graphiql", SCRIPT)
fetch_graphiql = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_graphiql)


class _AssetRefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        self.refs += [value for name, value in attrs if name in ("src", "href") and value]


def asset_refs(page: str) -> list[str]:
    parser = _AssetRefs()
    parser.feed(page)
    return parser.refs


def test_page_references_only_local_assets():
    page = graphiql_page("/graphql", assets="/static/graphiql")
    refs = asset_refs(page)
    assert refs and all(ref.startswith("/static/graphiql/") for ref in refs), refs
    assert not re.search(r"\b(https?|wss?)://", page), "page names another host"
    assert "subscriptionUrl" in page and "isHeadersEditorEnabled: true" in page
    assert "shouldPersistHeaders: true" in page


def test_endpoint_is_escaped_for_script():
    page = graphiql_page('/graphql"</script><script>alert(1)//')
    assert "</script><script>alert(1)" not in page


def test_missing_assets_page_says_how_to_fetch(tmp_path):
    assert not assets_available(tmp_path)
    page = graphiql_page("/graphql", available=False)
    assert "<script" not in page and not asset_refs(page)
    assert "make .venv/.synced" in page and "python scripts/fetch_graphiql.py" in page
    # The full page falls back to the same hint when its scripts do not load.
    assert "python scripts/fetch_graphiql.py" in graphiql_page("/graphql")


def test_every_referenced_asset_exists_after_fetch(tmp_path):
    """Needs the npm registry (CI has it)."""
    dest = tmp_path / "graphiql"
    run = [sys.executable, str(SCRIPT), str(dest), "--strict"]
    first = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert assets_available(dest)
    for ref in asset_refs(graphiql_page("/graphql", assets="/static/graphiql")):
        assert (dest / ref.removeprefix("/static/graphiql/")).is_file(), ref
    assert b"graphql-transport-ws" in (dest / "graphiql.min.js").read_bytes()
    again = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_integrity_mismatch_is_refused():
    good = _tarball({"graphiql.min.js": b"window.GraphiQL = 1;"})
    fetch_graphiql.verify_integrity(good, _integrity(good))
    corrupted = bytearray(good)
    corrupted[len(corrupted) // 2] ^= 0xFF
    with pytest.raises(fetch_graphiql.IntegrityError):
        fetch_graphiql.verify_integrity(bytes(corrupted), _integrity(good))
    with pytest.raises(fetch_graphiql.IntegrityError):
        fetch_graphiql.verify_integrity(good, "sha1-" + _integrity(good)[7:])


class _Response(io.BytesIO):
    pass


def test_tampered_download_writes_nothing_and_fails(tmp_path, monkeypatch, capsys):
    evil = _tarball({"graphiql.min.js": b"alert('pwned')"})
    monkeypatch.setattr(fetch_graphiql.urllib.request, "urlopen", lambda *a, **k: _Response(evil))
    assert fetch_graphiql.main([str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert "refusing" in capsys.readouterr().err


def test_network_failure_warns_unless_strict(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(fetch_graphiql.urllib.request, "urlopen", offline)
    assert fetch_graphiql.main([str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "WARNING" in err and len(err.strip().splitlines()) == 1
    assert fetch_graphiql.main([str(tmp_path), "--strict"]) == 1
