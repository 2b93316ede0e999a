"""Valves at rest in Open WebUI's ENABLE_VALVE_ENCRYPTION format, so Open WebUI and
Parley on one database read each other's rows: the column holds either a JSON object
(plain) or a JSON string that is a Fernet token of the object's JSON text. The Fernet key
is WEBUI_SECRET_KEY itself when it is 44 characters long (already a Fernet key), else the
url-safe base64 of its SHA-256 digest.

`cryptography` is PyJWT's dependency in our lock; Fernet is the format Open WebUI wrote,
so it is the one library that reads it without reimplementing AES-CBC+HMAC here."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any


class ValvesUnreadable(ValueError):
    """Stored valves that are encrypted under another secret, or damaged."""


class ValvesCipher:
    def __init__(self, secret: str, *, encrypt: bool):
        # Imported on first use: a server that never touches valves never loads it.
        from cryptography.fernet import Fernet

        raw = secret.encode()
        key = raw if len(secret) == 44 else base64.urlsafe_b64encode(
            hashlib.sha256(raw).digest())
        self._fernet = Fernet(key)
        self.encrypt = encrypt

    def seal(self, valves: dict[str, Any]) -> dict[str, Any] | str:
        """What to store in `function.valves`."""
        if not self.encrypt:
            return valves
        return self._fernet.encrypt(json.dumps(valves).encode()).decode()

    def open(self, stored: Any) -> dict[str, Any]:
        """The valves a stored value holds; nothing stored reads as no valves."""
        if not stored:
            return {}
        if isinstance(stored, dict):
            return stored
        if not isinstance(stored, str):
            raise ValvesUnreadable("stored valves are neither an object nor a token")
        from cryptography.fernet import InvalidToken

        try:
            opened = json.loads(self._fernet.decrypt(stored.encode()).decode())
        except (InvalidToken, ValueError):
            raise ValvesUnreadable("stored valves do not open with this server's "
                                   "WEBUI_SECRET_KEY") from None
        if not isinstance(opened, dict):
            raise ValvesUnreadable("stored valves are not an object")
        return opened
