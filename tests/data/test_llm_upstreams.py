"""data/llm against the scripted upstream on a real socket: the merged catalog, streamed
answers read as ChatChunks, and every way an upstream can fail us."""

import asyncio
import base64
import contextlib
import time

import pytest

from data.llm.base import (
    OLLAMA,
    OPENAI,
    Connections,
    Interrupted,
    UpstreamBroken,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from data.llm.chat import read_chat
from data.llm.settings import UpstreamSettings
from data.llm.streams import Interruptible, LineCheck
from data.llm.upstreams import Upstreams
from tests.support.server import free_port
from tests.support.tunnel import Tunnel
from tests.support.upstream import ScriptedUpstream
from tests.support.waiting import eventually


def connections(ollama=(), openai=(), keys=None, ollama_configs=None, openai_configs=None):
    return Connections.from_config({
        "ollama.enable": True, "ollama.base_urls": list(ollama),
        "ollama.api_configs": ollama_configs or {}, "openai.enable": True,
        "openai.api_base_urls": list(openai), "openai.api_keys": keys or [""] * len(openai),
        "openai.api_configs": openai_configs or {}})


@pytest.fixture
async def upstreams():
    service = Upstreams(UpstreamSettings(connect_timeout=2, idle_timeout=0.5,
                                         model_list_timeout=1, models_cache_ttl=60))
    yield service
    await service.aclose()


async def test_catalog_merges_connections_and_survives_a_down_one(upstreams):
    async with ScriptedUpstream() as one, ScriptedUpstream(models=("llama3:8b", "phi4")) as two:
        down = f"http://127.0.0.1:{free_port()}"
        conns = connections(ollama=[one.url, down, two.url], openai=[one.openai_url],
                            ollama_configs={"2": {"prefix_id": "b"}})
        catalog = await upstreams.catalog(conns)
    assert set(catalog.ollama) == {"llama3:8b", "qwen3:4b", "nomic-embed-text:latest",
                                   "b.llama3:8b", "b.phi4", "b.nomic-embed-text:latest"}
    assert catalog.ollama["llama3:8b"].urls == (0,)
    assert catalog.ollama["b.phi4"].info["model"] == "b.phi4"
    assert catalog.ollama["llama3:8b"].expires_at == 1893456000  # loaded, from /api/ps
    assert set(catalog.openai) == {"gpt-4o", "gpt-4o-mini"}
    status = {(s.kind, s.idx): s for s in catalog.status}
    assert not status[(OLLAMA, 1)].ok and "Ollama connection 1" in status[(OLLAMA, 1)].error
    assert status[(OLLAMA, 0)].ok and status[(OPENAI, 0)].models == 2


async def test_a_model_on_two_connections_lists_both(upstreams):
    async with ScriptedUpstream() as one, ScriptedUpstream() as two:
        catalog = await upstreams.catalog(connections(ollama=[one.url, two.url]))
    assert catalog.ollama["qwen3:4b"].urls == (0, 1)


async def test_catalog_is_cached_and_shared_by_concurrent_callers(upstreams):
    async with ScriptedUpstream() as one:
        conns = connections(ollama=[one.url])
        first, second = await asyncio.gather(upstreams.catalog(conns), upstreams.catalog(conns))
        assert first is second
        assert await upstreams.catalog(conns) is first
        assert len([r for r in one.requests if r.path == "/api/tags"]) == 1
        fresh = await upstreams.catalog(conns, max_age=0)
    assert fresh is not first and len([r for r in one.requests if r.path == "/api/tags"]) == 2


async def test_a_hanging_list_times_out_without_failing_the_catalog(upstreams):
    async with ScriptedUpstream() as slow, ScriptedUpstream(models=("phi4",)) as ok:
        slow.hang_lists = True
        catalog = await upstreams.catalog(connections(ollama=[slow.url, ok.url]))
    assert set(catalog.ollama) == {"phi4", "nomic-embed-text:latest"}


async def test_allow_list_skips_the_openai_request(upstreams):
    async with ScriptedUpstream() as one:
        conns = connections(openai=[one.openai_url],
                            openai_configs={"0": {"model_ids": ["only-this"]}})
        catalog = await upstreams.catalog(conns)
        assert list(catalog.openai) == ["only-this"] and one.requests == []


async def open_chat(upstreams, upstream, model="llama3:8b", *, path="/api/chat", stream=True,
                    guard=None):
    conn = connections(ollama=[upstream.url]).ollama[0]
    body = (b'{"model":"%s","stream":%s,"messages":[{"role":"user","content":"hi"}]}'
            % (model.encode(), b"true" if stream else b"false"))
    return await upstreams.open(conn, "POST", path, body, guard or Interruptible())


async def test_ollama_stream_reads_as_chunks(upstreams):
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", chunks=4, reasoning=True)
        answer = await open_chat(upstreams, up)
        chunks = [c async for c in read_chat(answer)]
        await answer.aclose()
    assert "".join(c.content for c in chunks) == "tok0 tok1 tok2 tok3 "
    assert chunks[0].reasoning == "hmm "
    assert chunks[-1].finish_reason == "stop" and chunks[-1].usage.completion_tokens == 4


async def test_openai_stream_and_whole_answer_read_as_chunks(upstreams):
    async with ScriptedUpstream() as up:
        conn = connections(openai=[up.openai_url]).openai[0]
        body = (b'{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},'
                b'"messages":[]}')
        answer = await upstreams.open(conn, "POST", "/chat/completions", body, Interruptible())
        chunks = [c async for c in read_chat(answer)]
        whole = await upstreams.open(conn, "POST", "/chat/completions",
                                     b'{"model":"gpt-4o","messages":[]}', Interruptible())
        [single] = [c async for c in read_chat(whole)]
    assert "".join(c.content for c in chunks) == "tok0 tok1 tok2 "
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["stop"]
    assert chunks[-1].usage.total_tokens == 10
    assert single.content == "tok0 tok1 tok2 " and single.usage.prompt_tokens == 7


@pytest.mark.parametrize("knobs, error", [
    ({"close_after": 2}, UpstreamBroken), ({"invalid_after": 1}, UpstreamBroken),
    ({"error_line_after": 1}, UpstreamBroken), ({"no_end_marker": True}, UpstreamBroken),
    ({"hang_after": 1}, UpstreamTimeout)])
async def test_stream_faults_become_clear_errors_after_the_good_part(upstreams, knobs, error):
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", chunks=3, error_message="boom with sk-secretsecret99", **knobs)
        answer = await open_chat(upstreams, up)
        got = []
        with pytest.raises(error) as caught:
            async for chunk in read_chat(answer):
                got.append(chunk.content)
        await answer.aclose()
    assert "Ollama connection 0" in caught.value.message
    assert "sk-secret" not in caught.value.message
    assert got == ["tok0 ", "tok1 ", "tok2 "][: len(got)]


async def test_a_big_single_chunk_arrives_whole(upstreams):
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", big_chunk=300 * 1024)
        answer = await open_chat(upstreams, up)
        text = "".join([c.content async for c in read_chat(answer)])
    assert len(text) == 300 * 1024 + len(" tail")


async def test_unreachable_and_hanging_upstreams(upstreams):
    conn = connections(ollama=[f"http://127.0.0.1:{free_port()}"]).ollama[0]
    with pytest.raises(UpstreamUnreachable) as caught:
        await upstreams.open(conn, "POST", "/api/chat", b"{}", Interruptible())
    assert "127.0.0.1" not in caught.value.message
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", hang_before_headers=True)
        with pytest.raises(UpstreamTimeout):
            await open_chat(upstreams, up)


@pytest.mark.parametrize("reply, before_body", [
    (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", True),
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n8\r\n{\"a\":1}\n\r\nzz\r\n", False)])
async def test_an_answer_that_is_not_http_is_a_clear_error(upstreams, reply, before_body):
    async def answer(reader, writer):
        await reader.read(65536)
        writer.write(reply)
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conn = connections(ollama=[f"http://127.0.0.1:{port}"]).ollama[0]
    try:
        with pytest.raises(UpstreamBroken) as caught:
            response = await upstreams.open(conn, "POST", "/api/chat", b"{}", Interruptible())
            assert not before_body and await response.next_chunk() == b'{"a":1}\n'
            await response.next_chunk()
    finally:
        server.close()
    assert caught.value.message == "Ollama connection 0 answered something that is not valid HTTP."


async def test_interrupting_a_read_closes_the_upstream_at_once(upstreams):
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", hang_after=1)
        guard = Interruptible()
        answer = await open_chat(upstreams, up, guard=guard)
        assert await answer.next_chunk()
        asyncio.get_running_loop().call_later(0.05, guard.interrupt, "stopped")
        with pytest.raises(Interrupted) as caught:
            await answer.next_chunk()
        await answer.aclose()
        async with asyncio.timeout(1):
            record = await up.stream_ended()
    assert caught.value.why == "stopped" and record.closed_by_client


async def test_interrupting_while_waiting_for_headers(upstreams):
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", hang_before_headers=True)
        guard = Interruptible()

        async def interrupt_once_sent() -> None:
            # Only once the upstream holds the request: before that (the client is made
            # on first use) there would be no connection to close.
            await eventually(lambda: _has_stream(up))
            guard.interrupt("disconnect")

        interrupting = asyncio.ensure_future(interrupt_once_sent())
        with pytest.raises(Interrupted):
            await open_chat(upstreams, up, guard=guard)
        await interrupting
        async with asyncio.timeout(1):
            assert (await up.stream_ended()).closed_by_client


async def _has_stream(up: ScriptedUpstream) -> bool:
    return bool(up.streams)


def test_line_check_passes_whole_valid_lines_and_stops_at_garbage():
    conn = connections(ollama=["http://x"]).ollama[0]
    check = LineCheck("ndjson", conn)
    assert check.feed(b'{"a":1}\n{"b"') == b'{"a":1}\n'
    assert check.feed(b':2}\n') == b'{"b":2}\n'
    assert check.feed(b'{"c":3}\nnot json\n{"d":4}\n') == b'{"c":3}\n'
    assert isinstance(check.failure, UpstreamBroken)
    sse = LineCheck("sse", conn)
    assert sse.feed(b'data: {"x":1}\n\n: ping\ndata: [DONE]\n\n') == \
        b'data: {"x":1}\n\n: ping\ndata: [DONE]\n\n'
    assert sse.finished and sse.failure is None


def test_line_check_refuses_lines_that_are_not_one_json_object():
    conn = connections(ollama=["http://x"]).ollama[0]
    for line in (b'{"a":1} trailing', b'{"a":1}{"b":2}', b"[1, 2]", b"42", b'"text"',
                 b'{"a": }', b"{", b'{"a":"\xff"}', b'{"bad utf-8": "\xc3"}'):
        check = LineCheck("ndjson", conn)
        assert check.feed(line + b"\n") == b"" and check.failure is not None, line
    for line in (b"{}", b'  {"a": [1, {"b": null}]}  ', b'{"t": "caf\xc3\xa9"}'):
        check = LineCheck("ndjson", conn)
        assert check.feed(line + b"\n") == line + b"\n" and check.failure is None, line


def test_valid_lines_the_fast_reader_refuses_still_pass():
    """Lines orjson refuses that the standard library reads (as this check always did)
    still pass: a number past a double's range, a lone surrogate escape, NaN."""
    conn = connections(ollama=["http://x"]).ollama[0]
    for line in (b'{"n": 1e999}', b'{"t": "\\ud800"}',
                 b'{"n": 123456789012345678901234567890}'):
        check = LineCheck("ndjson", conn)
        assert check.feed(line + b"\n") == line + b"\n" and check.failure is None, line
    sse = LineCheck("sse", conn)
    assert sse.feed(b'data: {"n": NaN}\n\ndata: [DONE]\n\n').endswith(b"[DONE]\n\n")
    assert sse.failure is None and sse.finished


async def test_no_total_timeout_kills_a_slow_long_answer(upstreams):
    """The idle timeout is 0.5 s; an answer that takes 1.2 s, a chunk every 0.2 s, lives."""
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", chunks=6, delay=0.2)
        answer = await open_chat(upstreams, up)
        text = "".join([c.content async for c in read_chat(answer)])
    assert text == "".join(f"tok{i} " for i in range(6))


async def test_requests_share_pooled_connections(upstreams):
    """One keep-alive connection carries sequential requests; an answer left half-read
    closes its connection instead of going back to the pool."""
    async with ScriptedUpstream() as up:
        up.script("llama3:8b", chunks=3)
        for _ in range(3):
            answer = await open_chat(upstreams, up)
            assert [c.content async for c in read_chat(answer)]
        assert up.connections == 1
        up.script("llama3:8b", chunks=50, delay=0.05)
        answer = await open_chat(upstreams, up)
        assert await answer.next_chunk()
        await answer.aclose()
        async with asyncio.timeout(1):
            record = await up.stream_ended()
        assert record.closed_by_client
        answer = await open_chat(upstreams, up)  # a new connection, not the closed one
        assert await answer.next_chunk()
        await answer.aclose()
        assert up.connections == 2


async def test_proxies_from_the_environment_apply_except_where_no_proxy_says(monkeypatch):
    """HTTP_PROXY carries upstream requests (read when the client is made); NO_PROXY
    exempts a host, which is then called directly."""
    async with ScriptedUpstream() as proxy:
        closed = f"http://127.0.0.1:{free_port()}"
        conn = connections(ollama=[closed]).ollama[0]
        body = b'{"model":"llama3:8b","stream":false,"messages":[]}'
        for no_proxy in ("", "127.0.0.1"):
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            monkeypatch.setenv("NO_PROXY", no_proxy)
            for name in ("http_proxy", "no_proxy", "ALL_PROXY", "all_proxy"):
                monkeypatch.delenv(name, raising=False)
            service = Upstreams(UpstreamSettings(connect_timeout=2, idle_timeout=2))
            try:
                if no_proxy:
                    with pytest.raises(UpstreamUnreachable):
                        await service.open(conn, "POST", "/api/chat", body, Interruptible())
                else:
                    answer = await service.open(conn, "POST", "/api/chat", body,
                                                Interruptible())
                    assert answer.status == 200 and await answer.read_all(1 << 20)
                    await answer.aclose()
            finally:
                await service.aclose()
        assert proxy.proxied_for == [closed.removeprefix("http://")]


# ---- HTTPS upstreams, and HTTPS through a CONNECT proxy -------------------------------


def proxy_environment(monkeypatch, **proxies: str) -> None:
    """Exactly these proxy variables set (as HTTPS_PROXY=...), every other one cleared in
    either case, so a proxy in the machine's own environment plays no part."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in proxies.items():
        monkeypatch.setenv(name, value)


@contextlib.asynccontextmanager
async def upstreams_with(**settings):
    """An Upstreams made now, so it reads the environment as the test just set it."""
    service = Upstreams(UpstreamSettings(connect_timeout=2, idle_timeout=2, **settings))
    try:
        yield service
    finally:
        await service.aclose()


async def chat_text(service: Upstreams, upstream: ScriptedUpstream) -> str:
    answer = await open_chat(service, upstream)
    try:
        return "".join([c.content async for c in read_chat(answer)])
    finally:
        await answer.aclose()


async def test_an_https_upstream_streams_when_verification_is_off(monkeypatch):
    proxy_environment(monkeypatch)
    async with ScriptedUpstream(tls=True) as up, upstreams_with(verify_tls=False) as service:
        assert up.url.startswith("https://")
        up.script("llama3:8b", chunks=4)
        assert await chat_text(service, up) == "tok0 tok1 tok2 tok3 "
    assert up.last("/api/chat").body["messages"] == [{"role": "user", "content": "hi"}]


async def test_an_unverifiable_certificate_is_refused_by_default(monkeypatch):
    """The certificate is self-signed: a verifying client refuses it before sending the
    request, and the error names the connection, not its address."""
    proxy_environment(monkeypatch)
    async with ScriptedUpstream(tls=True) as up, upstreams_with() as service:
        with pytest.raises(UpstreamUnreachable) as caught:
            answer = await open_chat(service, up)
            await answer.aclose()  # only reached when a client wrongly accepted it
    assert "Ollama connection 0" in caught.value.message
    assert up.url not in caught.value.message and "127.0.0.1" not in caught.value.message
    assert up.requests == []


async def test_https_proxy_from_the_environment_tunnels_to_an_https_upstream(monkeypatch):
    async with Tunnel() as tunnel, ScriptedUpstream(tls=True) as up:
        proxy_environment(monkeypatch, HTTPS_PROXY=tunnel.url)
        async with upstreams_with(verify_tls=False) as service:
            assert await chat_text(service, up) == "tok0 tok1 tok2 "
    assert tunnel.targets == [f"127.0.0.1:{up.port}"]
    assert tunnel.authorizations == [None]
    assert up.proxied_for == []  # a tunnel, not a forward proxy: the upstream saw a plain path
    assert [r.path for r in up.requests] == ["/api/chat"]


async def test_credentials_in_the_proxy_url_go_in_the_connect(monkeypatch):
    async with Tunnel() as tunnel, ScriptedUpstream(tls=True) as up:
        proxy_environment(monkeypatch,
                          HTTPS_PROXY=f"http://user:pass@127.0.0.1:{tunnel.port}")
        async with upstreams_with(verify_tls=False) as service:
            assert await chat_text(service, up) == "tok0 tok1 tok2 "
    assert tunnel.targets == [f"127.0.0.1:{up.port}"]
    assert tunnel.authorizations == ["Basic " + base64.b64encode(b"user:pass").decode()]
    assert "authorization" not in up.last("/api/chat").headers
    assert "proxy-authorization" not in up.last("/api/chat").headers


def test_checking_a_long_line_that_arrives_in_small_pieces_is_linear():
    """A 4 MiB line in 1 KiB pieces costs about what the same line in one piece costs
    (the old check joined and searched everything held at every piece, 1.46 s here).
    Each figure is the best of three, in this thread's CPU time."""
    conn = connections(ollama=["http://x"]).ollama[0]
    line = b'{"content": "' + b"x" * (4 << 20) + b'"}\n'
    pieces = [line[i:i + 1024] for i in range(0, len(line), 1024)]

    def cpu(chunks) -> float:
        best = float("inf")
        for _ in range(3):
            check = LineCheck("ndjson", conn)
            start = time.thread_time()
            passed = b"".join(check.feed(chunk) for chunk in chunks)
            best = min(best, time.thread_time() - start)
            assert passed == line and check.failure is None
        return best

    whole, in_pieces = cpu([line]), cpu(pieces)
    assert in_pieces < 10 * whole + 0.05, (whole, in_pieces)


async def test_credentials_in_a_plain_proxy_url_go_beside_the_request(monkeypatch):
    """Through a forward proxy (an http upstream), the proxy's credentials travel as
    Proxy-Authorization on the request itself; the upstream's own, from its URL, as
    Authorization."""
    async with ScriptedUpstream() as proxy:
        proxy_environment(monkeypatch, HTTP_PROXY=f"http://px:pw@127.0.0.1:{proxy.port}")
        closed = f"127.0.0.1:{free_port()}"
        conn = connections(ollama=[f"http://me:mine@{closed}"]).ollama[0]
        async with upstreams_with() as service:
            answer = await service.open(conn, "POST", "/api/chat",
                                        b'{"model":"llama3:8b","stream":false,"messages":[]}',
                                        Interruptible())
            assert answer.status == 200
            await answer.aclose()
    sent = proxy.last("/api/chat").headers
    assert proxy.proxied_for == [closed]
    assert sent["proxy-authorization"] == "Basic " + base64.b64encode(b"px:pw").decode()
    assert sent["authorization"] == "Basic " + base64.b64encode(b"me:mine").decode()
