"""Forged, edited and expired tokens are refused with a clear 401, never a 500."""

import base64
import json
import time

import jwt
import pytest

from tests.conftest import bearer

SECRET = "test-secret-key-0123456789abcdef"  # tests/conftest.py's WEBUI_SECRET_KEY


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(good: str) -> dict[str, str]:
    claims = jwt.decode(good, SECRET, algorithms=["HS256"])
    header, payload, signature = good.split(".")
    edited = dict(claims, id="someone-else")
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong key": jwt.encode(claims, "another-secret-entirely-0000000000", algorithm="HS256"),
        "edited payload": f"{header}.{_b64(edited)}.{signature}",
        "expired": jwt.encode(dict(claims, exp=int(time.time()) - 10), SECRET, algorithm="HS256"),
        "garbage": "not.a.token",
        "unknown user": jwt.encode(dict(claims, id="no-such-user"), SECRET, algorithm="HS256"),
        "other type": jwt.encode(dict(claims, typ="refresh"), SECRET, algorithm="HS256"),
    }


async def test_forged_tokens_are_refused(client, accounts):
    admin = await accounts.admin()
    for name, token in forged_tokens(admin["token"]).items():
        for headers in (bearer(token), {"cookie": f"token={token}"}):
            response = await client.get("/api/v1/users/", headers=headers)
            assert response.status_code == 401, name
            assert isinstance(response.json()["detail"], str), name


async def test_tokens_issued_by_open_webui_are_accepted(client, accounts):
    """A token minted with Open WebUI's claims and the shared secret works here."""
    admin = await accounts.admin()
    claims = jwt.decode(admin["token"], SECRET, algorithms=["HS256"])
    minimal = {"id": claims["id"], "session_stamp": claims["session_stamp"],
               "exp": int(time.time()) + 60, "jti": "ow-issued"}  # no typ: counts as session
    token = jwt.encode(minimal, SECRET, algorithm="HS256")
    assert (await client.get("/api/v1/users/", headers=bearer(token))).status_code == 200


async def test_token_in_url_is_ignored(client, accounts):
    admin = await accounts.admin()
    response = await client.get(f"/api/v1/users/?token={admin['token']}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "bearer    ", "Token x"])
async def test_malformed_authorization_headers(client, header):
    response = await client.get("/api/v1/users/", headers={"Authorization": header})
    assert response.status_code == 401
