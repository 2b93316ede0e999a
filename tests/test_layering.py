"""The layers import only what STYLE.md allows, checked by parsing every module's imports:
data/ nothing of ours; resolvers/ data/; schema/ and compat_rest/ resolvers/ plus
data.tables, never each other; only asgi.py imports everything."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = {"data", "resolvers", "schema", "compat_rest", "asgi", "cli"}
ALLOWED = {
    "data": {"data"},
    "resolvers": {"resolvers", "data"},
    "schema": {"schema", "resolvers", "data.tables"},
    "compat_rest": {"compat_rest", "resolvers", "data.tables"},
}
FORBIDDEN_LIBRARIES = {"resolvers": {"strawberry", "starlette", "graphql", "pydantic"},
                       "data": {"strawberry", "starlette", "graphql"}}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _permitted(module: str, allowed: set[str]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


def test_layers_import_only_what_they_may():
    problems = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((ROOT / layer).rglob("*.py")):
            for module in _imports(path):
                top = module.split(".")[0]
                if top in OURS and not _permitted(module, allowed):
                    problems.append(f"{path.relative_to(ROOT)} imports {module}")
                if top in FORBIDDEN_LIBRARIES.get(layer, set()):
                    problems.append(f"{path.relative_to(ROOT)} imports {module}")
    assert problems == []


def test_migrations_are_not_a_package():
    assert not (ROOT / "migrations" / "__init__.py").exists()


# The pieces every domain shares; everything else in resolvers/ is a domain package.
SHARED_RESOLVER_MODULES = {"__init__", "context", "errors", "permissions", "loaders",
                           "validation", "filters", "runtime_config", "input_rules"}


def test_resolvers_are_grouped_by_domain():
    """A new capability goes into its domain's package (resolvers/chats/, resolvers/files/,
    ...), beside the shared pieces, not as another flat module."""
    flat = {path.stem for path in (ROOT / "resolvers").glob("*.py")}
    assert flat - SHARED_RESOLVER_MODULES == set()
    for package in (path for path in (ROOT / "resolvers").iterdir() if path.is_dir()
                    and path.name != "__pycache__"):
        assert (package / "__init__.py").is_file(), f"{package.name} is not a package"
