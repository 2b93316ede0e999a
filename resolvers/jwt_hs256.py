"""HS256 JSON Web Tokens (RFC 7519 in RFC 7515's compact form): the only kind Parley and
Open WebUI issue. Written here, on the standard library's HMAC, because PyJWT imports
the `cryptography` package for the algorithms we never use, which cost every serving
process about 10 MB of memory and 30 ms of start-up.

Verification accepts what PyJWT's `decode(..., algorithms=["HS256"])` accepts with the
expiry left to the caller, and is stricter only about encodings PyJWT tolerates
(padding, stray characters) that no issuer produces."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from typing import Any

_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")
# Extensions a verifier must understand to accept a token (RFC 7515 §4.1.11, RFC 7797).
_UNSUPPORTED_HEADERS = ("crit", "b64")


class InvalidToken(ValueError):
    pass


def _encode_segment(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _decode_segment(segment: bytes) -> bytes:
    if _SEGMENT.fullmatch(segment) is None:
        raise InvalidToken("a segment is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("a segment is not base64url") from None


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise InvalidToken("a segment is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidToken("a segment is not a JSON object")
    return value


def _signature(secret: str, signing_input: bytes) -> bytes:
    return hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()


_HEADER = _encode_segment(json.dumps({"alg": "HS256", "typ": "JWT"},
                                     separators=(",", ":")).encode())


def encode(claims: dict[str, Any], secret: str) -> str:
    payload = _encode_segment(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = _HEADER + b"." + payload
    return (signing_input + b"." + _encode_segment(_signature(secret, signing_input))).decode()


def decode(token: str, secret: str, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The claims of a token signed with `secret`, or InvalidToken. `exp` is not checked
    here; every other registered claim is, as PyJWT checks it."""
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidToken("not a compact JWT") from None
    segments = raw.split(b".")
    if len(segments) != 3:
        raise InvalidToken("not a compact JWT")
    header = _json_object(_decode_segment(segments[0]))
    if header.get("alg") != "HS256":
        raise InvalidToken("not signed with HS256")
    if any(name in header for name in _UNSUPPORTED_HEADERS):
        raise InvalidToken("uses a JWS extension")
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidToken("the key id is not a string")
    expected = _signature(secret, segments[0] + b"." + segments[1])
    if not hmac.compare_digest(_decode_segment(segments[2]), expected):
        raise InvalidToken("the signature does not match")
    claims = _json_object(_decode_segment(segments[1]))
    _check_claims(claims, required)
    return claims


def _check_claims(claims: dict[str, Any], required: tuple[str, ...]) -> None:
    if any(claims.get(name) is None for name in required):
        raise InvalidToken("a required claim is missing")
    now = time.time()
    for name in ("iat", "nbf"):  # "not yet valid", without leeway
        if name in claims and _whole(claims[name]) > now:
            raise InvalidToken(f"{name} is in the future")
    if claims.get("aud"):
        raise InvalidToken("meant for an audience")  # we never issue or expect one
    for name in ("sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            raise InvalidToken(f"{name} is not a string")


def _whole(value: Any) -> int:
    try:
        return int(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidToken("a time claim is not a number") from None
