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

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from resolvers import jwt_hs256

_argon2 = PasswordHasher()  # argon2id with the library's current recommended parameters
_TOKEN_TYPES = {"session", "automation", "subagent"}
API_KEY_PREFIX = "sk-"
_DIGEST_PREFIX = "parley-sha256:"


@functools.cache
def _dummy_hash() -> str:
    """Timing equaliser for unknown e-mails: verifying against it costs what a real check
    does. Made on first use, not at import, to keep start-up fast."""
    return _argon2.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _argon2.hash(password)


@functools.cache
def unusable_password_hash() -> str:
    """For accounts that sign in only through single sign-on: the hash of a random secret
    forgotten at once, so no password matches it. One per process, as hashing costs a
    tenth of a second and an identity provider creates accounts by the thousand."""
    return _argon2.hash(secrets.token_hex(32))


def verify_password(password: str, stored: str | None) -> bool:
    """Pick the scheme by prefix as Open WebUI does; bcrypt sees at most 72 bytes."""
    if not stored:
        _argon2_verify(_dummy_hash(), password)
        return False  # rows backfilled with an empty hash can never sign in by password
    if stored.startswith("$argon2"):
        return _argon2_verify(stored, password)
    try:
        return bcrypt.checkpw(password.encode()[:72], stored.encode())
    except ValueError:
        return False


def burn_verification(password: str) -> None:
    """Spend the time a real verification would, for an account that does not exist."""
    _argon2_verify(_dummy_hash(), password)


def _argon2_verify(stored: str, password: str) -> bool:
    try:
        return _argon2.verify(stored, password)
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
    return jwt_hs256.encode(claims, secret), expires_at


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
        claims = jwt_hs256.decode(token, secret, required=("id",))
    except jwt_hs256.InvalidToken:
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
