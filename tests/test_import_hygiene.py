"""Our generic top-level names (schema, data, ...) must resolve to this repository, and no
installed distribution may provide them."""

import importlib.metadata
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("schema", "resolvers", "data", "compat_rest", "asgi")


def test_top_level_names_resolve_to_this_repository():
    for name in NAMES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        assert Path(spec.origin).resolve().is_relative_to(ROOT), (name, spec.origin)


def test_no_installed_distribution_provides_our_names():
    owners = importlib.metadata.packages_distributions()
    clashes = {name: owners[name] for name in NAMES if name in owners}
    assert clashes == {}
