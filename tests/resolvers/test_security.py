"""Token and password primitives, without a database."""

import time

import bcrypt
import jwt
import pytest
from argon2 import PasswordHasher, profiles

from data.settings import Argon2Parameters, SettingsError, argon2_parameters
from resolvers.auth.security import Passwords, issue_token, read_token

CHEAP = Argon2Parameters(memory_kib=8, time_cost=1, parallelism=1)

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
    expires_at = int(time.time()) + 1
    token = jwt.encode({"id": "u1", "exp": expires_at}, SECRET, algorithm="HS256")
    assert read_token(SECRET, token) is not None
    time.sleep(expires_at - time.time() + 0.01)  # until just past the expiry second
    assert read_token(SECRET, token) is None  # the cached verification does not outlive exp


def test_malformed_claims_are_refused():
    for claims in ({"exp": int(time.time()) + 60}, {"id": 5}, {"id": "u", "exp": "soon"},
                   {"id": "u", "typ": "refresh"}):
        assert read_token(SECRET, jwt.encode(claims, SECRET, algorithm="HS256")) is None
    assert read_token("other-secret-0123456789abcdef012", issue_token(
        SECRET, user_id="u", session_stamp=None, lifetime=60)[0]) is None


def test_open_webui_hashes_verify_whatever_cost_new_hashes_get():
    # Made once: each hash at Open WebUI's (argon2's default) cost takes most of a second
    # on a busy machine, and every verification below computes it again anyway.
    open_webui_hash = PasswordHasher().hash("pw")
    for passwords in (Passwords(), Passwords(CHEAP)):
        verify = passwords.verify
        assert verify("pw", bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode())
        assert verify("pw", open_webui_hash)
        assert not verify("nope", open_webui_hash)
        # bcrypt sees only the first 72 bytes, as Open WebUI's check does.
        long = "x" * 80
        assert verify(long[:72] + "different",
                      bcrypt.hashpw(long.encode()[:72], bcrypt.gensalt(4)).decode())
        assert not verify("pw", "")  # backfilled rows can never sign in by password


def test_new_hashes_use_the_recommended_cost_unless_configured():
    recommended = profiles.RFC_9106_LOW_MEMORY
    default = Passwords().hash("pw")
    assert default.startswith(f"$argon2id$v=19$m={recommended.memory_cost},"
                              f"t={recommended.time_cost},p={recommended.parallelism}$")
    cheap = Passwords(CHEAP).hash("pw")
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert Passwords().verify("pw", cheap) and not Passwords().verify("pw ", cheap)
    unusable = Passwords(CHEAP).unusable_hash()
    assert unusable.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert not Passwords(CHEAP).verify("", unusable)


def test_password_argon2_params_setting():
    assert argon2_parameters("") is None
    assert argon2_parameters(" m=65536, t=3, p=4 ") == Argon2Parameters(65536, 3, 4)
    for bad in ("65536,3,4", "m=64,t=3,p=16", "m=8,t=0,p=1", "m=8,t=1,p=0",
                "m=99999999,t=1,p=1", "t=1,m=8,p=1"):
        with pytest.raises(SettingsError, match="PASSWORD_ARGON2_PARAMS"):
            argon2_parameters(bad)
