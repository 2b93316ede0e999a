"""Tokens, password hashes and API-key digests, compatible with Open WebUI 0.12.4:
HS256 JWTs with its claims and secret, argon2id for new passwords, bcrypt and argon2
hashes from Open WebUI verified as they are."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from data.settings import Argon2Parameters

_TOKEN_TYPES = {"session", "automation", "subagent"}
API_KEY_PREFIX = "sk-"
_DIGEST_PREFIX = "parley-sha256:"


class Passwords:
    """Hashes new passwords with argon2id, by default at the library's current recommended
    cost (PASSWORD_ARGON2_PARAMS may set another), and verifies stored hashes: argon2 at
    whatever cost each hash records, and Open WebUI's bcrypt."""

    def __init__(self, cost: Argon2Parameters | None = None):
        self._argon2 = PasswordHasher() if cost is None else PasswordHasher(
            time_cost=cost.time_cost, memory_cost=cost.memory_kib,
            parallelism=cost.parallelism)
        self._unusable: str | None = None
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password: str, stored: str | None) -> bool:
        """Pick the scheme by prefix as Open WebUI does; bcrypt sees at most 72 bytes."""
        if not stored:
            self._argon2_verify(self._dummy_hash, password)
            return False  # rows backfilled with an empty hash can never sign in by password
        if stored.startswith("$argon2"):
            return self._argon2_verify(stored, password)
        try:
            return bcrypt.checkpw(password.encode()[:72], stored.encode())
        except ValueError:
            return False

    def burn_verification(self, password: str) -> None:
        """Spend the time a real verification would, for an account that does not exist."""
        self._argon2_verify(self._dummy_hash, password)

    def unusable_hash(self) -> str:
        """For accounts that sign in only through single sign-on: the hash of a random
        secret forgotten at once, so no password matches it. One per process, as hashing
        costs a tenth of a second and an identity provider creates accounts by the thousand."""
        if self._unusable is None:
            self._unusable = self._argon2.hash(secrets.token_hex(32))
        return self._unusable

    @property
    def _dummy_hash(self) -> str:
        """Timing equaliser for unknown e-mails: verifying against it costs what a real
        check does. Made on first use, not at start-up, to keep start-up fast."""
        if self._dummy is None:
            self._dummy = self._argon2.hash(secrets.token_hex(16))
        return self._dummy

    def _argon2_verify(self, stored: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    jti: str | None
    session_stamp: str | None
    expires_at: int | None
    issued_at: int | None
    typ: str


def issue_token(secret: str, *, user_id: str, session_stamp: str | None,
                lifetime: float | None, auth_method: str = "password",
                minimal: bool = False) -> tuple[str, int | None]:
    """A session JWT with Open WebUI's claims; returns the token and its expiry (s)."""
    now = int(time.time())
    claims: dict = {"id": user_id, "typ": "session", "session_stamp": session_stamp}
    if not minimal:
        claims |= {"auth_method": auth_method, "auth_time": now, "mfa_verified": False}
    claims |= {"jti": str(uuid.uuid4()), "iat": now}
    expires_at = int(now + lifetime) if lifetime else None
    if expires_at is not None:
        claims["exp"] = expires_at
    return _jwt().encode(claims, secret, algorithm="HS256"), expires_at


def read_token(secret: str, token: str) -> TokenClaims | None:
    """Verified claims, or None for anything forged, expired, malformed or of another type."""
    claims = _verified_claims(secret, token)
    if claims is None or (claims.expires_at is not None and claims.expires_at <= time.time()):
        return None
    return claims


@functools.lru_cache(maxsize=4096)
def _verified_claims(secret: str, token: str) -> TokenClaims | None:
    """A token's signature and claims never change, so verify each token string once;
    expiry is time-dependent and checked on every use by read_token."""
    try:
        claims = _jwt().decode(token, secret, algorithms=["HS256"],
                               options={"require": ["id"], "verify_exp": False})
    except _jwt().PyJWTError:
        return None
    typ = claims.get("typ") or "session"
    user_id = claims.get("id")
    exp = claims.get("exp")
    if typ not in _TOKEN_TYPES or not isinstance(user_id, str):
        return None
    if exp is not None and _int(exp) is None:
        return None  # an "exp" that is not a number is malformed
    return TokenClaims(user_id=user_id, jti=_str(claims.get("jti")),
                       session_stamp=_str(claims.get("session_stamp")),
                       expires_at=_int(exp), issued_at=_int(claims.get("iat")), typ=typ)


def _jwt():
    """PyJWT, imported on the first token a process signs or reads: it brings in the
    cryptography package (about 10 MB, 30 ms) for algorithms Parley never uses, so a
    server that has not yet seen a token does not pay for it."""
    import jwt

    return jwt


def new_api_key() -> str:
    return API_KEY_PREFIX + uuid.uuid4().hex


def api_key_digest(key: str) -> str:
    """How Parley stores a key it creates; Open WebUI's plain-text keys are matched as well."""
    return _DIGEST_PREFIX + hashlib.sha256(key.encode()).hexdigest()


def api_key_stored_forms(key: str) -> tuple[str, str]:
    return key, api_key_digest(key)


def is_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)


def new_session_stamp() -> str:
    return str(uuid.uuid4())


def same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return hmac.compare_digest(a.encode(), b.encode())


def same_secret(given: str, expected: str) -> bool:
    """Compare secrets in constant time, their lengths included (digests are equal-sized)."""
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                               hashlib.sha256(expected.encode()).digest())


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


def _int(value) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
