"""Our HS256 tokens against PyJWT as the reference: the same tokens for the same claims,
each verifies the other's, and ours accepts exactly the odd and forged tokens PyJWT
accepts (used as Parley used it: HS256 only, `id` required, expiry checked by the caller)."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from resolvers import jwt_hs256

SECRET = "test-secret-key-0123456789abcdef"
NOW = int(time.time())
HS256 = {"alg": "HS256", "typ": "JWT"}


def segment(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(header, claims, *, secret=SECRET, digest=hashlib.sha256) -> str:
    signing_input = f"{segment(header)}.{segment(claims)}"
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{segment(signature)}"


def tampered() -> str:
    header, _, signature = token(HS256, {"id": "u1"}).split(".")
    return f"{header}.{segment({'id': 'admin'})}.{signature}"


CASES = {
    "plain": token(HS256, {"id": "u1", "iat": NOW, "jti": "j1", "typ": "session"}),
    "expired (the caller checks exp)": token(HS256, {"id": "u1", "exp": NOW - 10}),
    "without typ in the header": token({"alg": "HS256"}, {"id": "u1"}),
    "no id": token(HS256, {"sub": "u1"}),
    "null id": token(HS256, {"id": None}),
    "alg none": f"{segment({'alg': 'none'})}.{segment({'id': 'u1'})}.",
    "alg HS512": token({"alg": "HS512", "typ": "JWT"}, {"id": "u1"}, digest=hashlib.sha512),
    "no alg": token({"typ": "JWT"}, {"id": "u1"}),
    "another key": token(HS256, {"id": "u1"}, secret="another-secret-entirely-0000000000"),
    "tampered claims": tampered(),
    "iat in the future": token(HS256, {"id": "u1", "iat": NOW + 3600}),
    "iat not a number": token(HS256, {"id": "u1", "iat": "soon"}),
    "iat as a numeric string": token(HS256, {"id": "u1", "iat": str(NOW)}),
    "nbf in the future": token(HS256, {"id": "u1", "nbf": NOW + 3600}),
    "nbf passed": token(HS256, {"id": "u1", "nbf": NOW - 10}),
    "an audience": token(HS256, {"id": "u1", "aud": "someone"}),
    "an empty audience": token(HS256, {"id": "u1", "aud": ""}),
    "sub not a string": token(HS256, {"id": "u1", "sub": 5}),
    "jti not a string": token(HS256, {"id": "u1", "jti": 5}),
    "kid not a string": token(dict(HS256, kid=5), {"id": "u1"}),
    "kid": token(dict(HS256, kid="k1"), {"id": "u1"}),
    "crit header": token(dict(HS256, crit=["exp"]), {"id": "u1"}),
    "claims not an object": token(HS256, ["id", "u1"]),
    "header not an object": token("HS256", {"id": "u1"}),
    "claims not JSON": token(HS256, b"{id: u1}"),
    "two segments": f"{segment(HS256)}.{segment({'id': 'u1'})}",
    "four segments": token(HS256, {"id": "u1"}) + ".x",
    "not base64": "!!!.???.***",
    "not ascii": "é.é.é",
    "empty": "",
}


def pyjwt_claims(value: str):
    try:
        return jwt.decode(value, SECRET, algorithms=["HS256"],
                          options={"require": ["id"], "verify_exp": False})
    except jwt.PyJWTError:
        return None


def our_claims(value: str):
    try:
        return jwt_hs256.decode(value, SECRET, required=("id",))
    except jwt_hs256.InvalidToken:
        return None


@pytest.mark.parametrize("case", CASES)
def test_accepts_exactly_what_pyjwt_accepts(case):
    assert our_claims(CASES[case]) == pyjwt_claims(CASES[case])


def test_the_same_token_for_the_same_claims_and_each_reads_the_others():
    now = int(time.time())
    claims = {"id": "u1", "typ": "session", "jti": "j1", "iat": now, "exp": now + 3600,
              "name": "Zoë"}
    ours = jwt_hs256.encode(claims, SECRET)
    assert ours == jwt.encode(claims, SECRET, algorithm="HS256")
    assert jwt.decode(ours, SECRET, algorithms=["HS256"]) == claims
    assert jwt_hs256.decode(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET) == claims


def test_encodings_no_issuer_produces_are_refused():
    """Stricter than PyJWT only here: padding and characters outside base64url."""
    header, claims, signature = jwt_hs256.encode({"id": "u1"}, SECRET).split(".")
    for odd in (f"{header}.{claims}.{signature}=", f"{header}.{claims}.{signature[:-1]}!"):
        with pytest.raises(jwt_hs256.InvalidToken):
            jwt_hs256.decode(odd, SECRET)
