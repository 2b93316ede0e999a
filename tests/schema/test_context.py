"""Where credentials come from: headers and cookie on HTTP, connection_init on WebSockets,
never the URL."""

from starlette.requests import HTTPConnection

from schema.context import http_credentials, ws_credentials


def connection(headers: dict[str, str], query: str = "") -> HTTPConnection:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return HTTPConnection({"type": "http", "headers": raw, "query_string": query.encode()})


def test_http_reads_bearer_cookie_and_api_key():
    found = http_credentials(connection({"Authorization": "Bearer abc",
                                         "Cookie": "token=def", "X-Api-Key": "sk-1"}))
    assert (found.bearer, found.cookie, found.api_key_header) == ("abc", "def", "sk-1")
    assert found.token == "abc"


def test_http_ignores_other_schemes_and_the_url():
    found = http_credentials(connection({"Authorization": "Basic abc"}, "token=zzz"))
    assert found.token is None


def test_ws_prefers_connection_params_over_the_handshake():
    handshake = connection({"Authorization": "Bearer from-header", "Cookie": "token=c"})
    assert ws_credentials(handshake, {"AUTHORIZATION": "Bearer p"},
                          cookie_trusted=True).token == "p"
    assert ws_credentials(handshake, {"token": "t"}, cookie_trusted=True).token == "t"
    assert ws_credentials(handshake, {"X-API-KEY": "sk-2"},
                          cookie_trusted=True).api_key_header == "sk-2"
    assert ws_credentials(handshake, None, cookie_trusted=True).token == "from-header"


def test_ws_drops_an_untrusted_cookie_and_non_string_params():
    handshake = connection({"Cookie": "token=c"})
    assert ws_credentials(handshake, {"token": 5}, cookie_trusted=True).token == "c"
    assert ws_credentials(handshake, {}, cookie_trusted=False).token is None
