"""Token and password primitives, without a database."""

import time

import bcrypt
import jwt
from argon2 import PasswordHasher

from resolvers.security import issue_token, read_token, verify_password

SECRET = "unit-secret-0123456789abcdef0123"


def test_issued_tokens_carry_open_webuis_claims():
    token, expires_at = issue_token(SECRET, user_id="u1", session_stamp="s1", lifetime=60)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert {"id", "typ", "auth_method", "auth_time", "session_stamp", "mfa_verified", "jti",
            "iat", "exp"} <= claims.keys()
    assert claims["typ"] == "session" and claims["exp"] == expires_at
    never, none = issue_token(SECRET, user_id="u1", session_stamp=None, lifetime=None)
    assert none is None and "exp" not in jwt.decode(never, SECRET, algorithms=["HS256"])


def test_expiry_is_checked_on_every_read_even_when_verified_before():
    token = jwt.encode({"id": "u1", "exp": int(time.time()) + 1}, SECRET, algorithm="HS256")
    assert read_token(SECRET, token) is not None
    time.sleep(1.1)
    assert read_token(SECRET, token) is None  # the cached verification does not outlive exp


def test_malformed_claims_are_refused():
    for claims in ({"exp": int(time.time()) + 60}, {"id": 5}, {"id": "u", "exp": "soon"},
                   {"id": "u", "typ": "refresh"}):
        assert read_token(SECRET, jwt.encode(claims, SECRET, algorithm="HS256")) is None
    assert read_token("other-secret-0123456789abcdef012", issue_token(
        SECRET, user_id="u", session_stamp=None, lifetime=60)[0]) is None


def test_open_webui_hashes_verify():
    assert verify_password("pw", bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode())
    assert verify_password("pw", PasswordHasher().hash("pw"))
    assert not verify_password("nope", PasswordHasher().hash("pw"))
    # bcrypt sees only the first 72 bytes, as Open WebUI's check does.
    long = "x" * 80
    assert verify_password(long[:72] + "different", bcrypt.hashpw(long.encode()[:72],
                                                                  bcrypt.gensalt(4)).decode())
    assert not verify_password("pw", "")  # backfilled rows can never sign in by password
