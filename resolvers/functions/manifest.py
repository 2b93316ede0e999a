"""A function module's front matter: the `key: value` lines of its module docstring
(title, author, version, requirements, ...), read as text, never executed. Keys are
lower-cased as Open WebUI reads them. `requirements` are recorded, never installed."""

from __future__ import annotations

import re

_DOCSTRING = re.compile(r'^\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', re.DOTALL)


def front_matter(source: str) -> dict[str, str]:
    match = _DOCSTRING.match(source)
    if not match:
        return {}
    found: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip():
            found[key.strip().lower()] = value.strip()
    return found
