"""Schema modules that declare strawberry types or fields let Python evaluate their
annotations (no `from __future__ import annotations`): strawberry reads a string
annotation by parsing it, rewriting it and evaluating it, which for this schema's few
thousand annotations was about 0.1 s of every start-up (see schema/root.py)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DECLARES = re.compile(r"@strawberry\.(type|input|interface|enum|field|mutation|subscription)"
                      r"|strawberry\.(field|mutation|subscription|union)\(")


def _postpones_annotations(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
               and any(alias.name == "annotations" for alias in node.names)
               for node in tree.body)


def test_modules_declaring_strawberry_types_do_not_postpone_annotations():
    declaring = [path for path in sorted((ROOT / "schema").rglob("*.py"))
                 if DECLARES.search(path.read_text())]
    assert len(declaring) > 50  # the check still finds the schema's modules
    postponing = [str(path.relative_to(ROOT)) for path in declaring
                  if _postpones_annotations(ast.parse(path.read_text(), str(path)))]
    assert postponing == []
