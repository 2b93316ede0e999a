"""Fetch the GraphiQL browser assets from the npm registry, pinned and integrity-checked.

Usage: python scripts/fetch_graphiql.py [DEST] [--strict]

DEST defaults to static/vendor/graphiql (gitignored). Each tarball is checked against the
registry's sha512 `dist.integrity` pinned below, like a lock file. Only the few files the
page needs are written, under flat names, plus a manifest.json; a run whose manifest and
files already match does nothing. A network failure prints one warning line and exits 0
(the server runs and its GraphiQL page says how to fetch the assets), or 1 with --strict.
An integrity mismatch always exits 1. NPM_CONFIG_REGISTRY selects a mirror.

graphiql 3.9.0 bundles graphql-ws (graphql-transport-ws protocol) into its UMD build and
its fetcher sends the headers typed in GraphiQL as connectionParams, so graphql-ws is not
fetched separately. graphiql 3 supports React 16.8-18; React 19 ships no UMD build.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

# name: (version, dist.integrity, {path inside the tarball's top folder: flat file name})
PACKAGES = {
    "react": (
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        {"umd/react.production.min.js": "react.production.min.js", "LICENSE": "react.LICENSE"},
    ),
    "react-dom": (
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        {
            "umd/react-dom.production.min.js": "react-dom.production.min.js",
            "LICENSE": "react-dom.LICENSE",
        },
    ),
    "graphiql": (
        "3.9.0",
        "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        {
            "graphiql.min.js": "graphiql.min.js",
            "graphiql.min.css": "graphiql.min.css",
            "LICENSE": "graphiql.LICENSE",
        },
    ),
}
DEFAULT_DEST = Path(__file__).resolve().parent.parent / "static" / "vendor" / "graphiql"
MANIFEST = "manifest.json"


class IntegrityError(Exception):
    pass


def verify_integrity(data: bytes, integrity: str) -> None:
    """Raise IntegrityError unless data matches the sha512 SRI value `integrity`."""
    algo, _, expected = integrity.partition("-")
    if algo != "sha512":
        raise IntegrityError(f"unsupported integrity algorithm {algo!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if not hmac.compare_digest(actual, expected):
        raise IntegrityError(f"sha512 mismatch: expected {expected}, got {actual}")


def extract(tarball: bytes, wanted: dict[str, str]) -> dict[str, bytes]:
    """Return {flat name: content} for the wanted files (paths relative to the top folder)."""
    found = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for member in tar.getmembers():
            inner = member.name.partition("/")[2]
            if member.isfile() and inner in wanted:
                found[wanted[inner]] = tar.extractfile(member).read()
    missing = set(wanted.values()) - found.keys()
    if missing:
        raise IntegrityError(f"tarball lacks {', '.join(sorted(missing))}")
    return found


def expected_manifest() -> dict:
    return {name: f"{version} {integrity}" for name, (version, integrity, _) in PACKAGES.items()}


def up_to_date(dest: Path) -> bool:
    try:
        manifest = json.loads((dest / MANIFEST).read_text())
        files = manifest.pop("files")
        return manifest == expected_manifest() and all(
            hashlib.sha256((dest / name).read_bytes()).hexdigest() == digest
            for name, digest in files.items()
        )
    except (OSError, ValueError, KeyError, AttributeError):
        return False


def fetch(dest: Path, registry: str = "https://registry.npmjs.org") -> list[str]:
    """Download, verify and write every pinned package into dest; return the file names."""
    files = {}
    for name, (version, integrity, wanted) in PACKAGES.items():
        url = f"{registry.rstrip('/')}/{name}/-/{name}-{version}.tgz"
        with urllib.request.urlopen(url, timeout=60) as response:
            tarball = response.read()
        try:
            verify_integrity(tarball, integrity)
        except IntegrityError as exc:
            raise IntegrityError(f"{name}@{version} from {url}: {exc}") from None
        files.update(extract(tarball, wanted))
    dest.mkdir(parents=True, exist_ok=True)
    for file_name, content in files.items():
        tmp = dest / f".{file_name}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, dest / file_name)
    manifest = expected_manifest()
    manifest["files"] = {n: hashlib.sha256(c).hexdigest() for n, c in sorted(files.items())}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("dest", nargs="?", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--strict", action="store_true", help="exit 1 on network failure")
    args = parser.parse_args(argv)
    pins = ", ".join(f"{n}@{v[0]}" for n, v in PACKAGES.items())
    if up_to_date(args.dest):
        print(f"graphiql assets: up to date in {args.dest} ({pins})")
        return 0
    registry = os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org"
    try:
        fetch(args.dest, registry)
    except IntegrityError as exc:
        print(f"graphiql assets: ERROR, refusing download: {exc}", file=sys.stderr)
        return 1
    except (OSError, http.client.HTTPException) as exc:  # URLError, HTTPError, timeouts
        level = "ERROR" if args.strict else "WARNING"
        print(
            f"graphiql assets: {level}, could not download from {registry} ({exc}); "
            "the GraphiQL page will be unavailable until `python scripts/fetch_graphiql.py` "
            "succeeds",
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    print(f"graphiql assets: fetched {pins} into {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
