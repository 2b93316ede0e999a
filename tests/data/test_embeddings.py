"""The embedding engines against the scripted model server (real sockets, Ollama's and
OpenAI's wire formats): batching, keys, and each way an upstream fails, as an error a
user can read. And the settings that choose engine and store."""

from __future__ import annotations

import asyncio
import socket

import pytest

from data.embeddings import LocalEmbedder, make_embedder
from data.embeddings.local import LocalEmbeddingsMissing
from data.embeddings.settings import (
    EmbeddingSettings,
    EmbeddingSettingsError,
    load_embedding_settings,
)
from data.llm.base import UpstreamBroken, UpstreamRefused, UpstreamTimeout, UpstreamUnreachable
from data.llm.settings import UpstreamSettings
from data.llm.upstreams import Upstreams
from data.settings import SettingsError, load_settings
from tests.support.reranking import ScriptedModels
from tests.support.upstream import ScriptedUpstream

MODEL = "nomic-embed-text:latest"


@pytest.fixture
async def upstream():
    async with ScriptedUpstream(key="sk-embed") as scripted:
        yield scripted


@pytest.fixture
async def upstreams():
    clients = Upstreams(UpstreamSettings(connect_timeout=2, idle_timeout=2))
    yield clients
    await clients.aclose()


def ollama(upstream, **more) -> EmbeddingSettings:
    return EmbeddingSettings(**{"engine": "ollama", "model": MODEL,
                                "ollama_base_url": upstream.url, **more})


def openai(upstream, **more) -> EmbeddingSettings:
    return EmbeddingSettings(**{"engine": "openai", "model": "text-embedding-3-small",
                                "openai_base_url": upstream.openai_url,
                                "openai_key": "sk-embed", **more})


async def test_ollama_engine_batches_and_sends_open_webuis_body(upstream, upstreams):
    upstream.vectorize = lambda text: [float(len(text)), 1.0, 0.0, 0.0]
    embedder = make_embedder(ollama(upstream, batch_size=2, ollama_key="k-1"), upstreams)
    vectors = await embedder.embed(["a", "bb\nb", "ccc", "dddd", "e"])
    assert [v[0] for v in vectors] == [1.0, 4.0, 3.0, 4.0, 1.0]
    sent = [r for r in upstream.requests if r.path == "/api/embed"]
    assert [r.body["input"] for r in sent] == [["a", "bb b"], ["ccc", "dddd"], ["e"]]
    assert sent[0].body["truncate"] is True and sent[0].body["model"] == MODEL
    assert sent[0].headers["authorization"] == "Bearer k-1"


async def test_openai_engine_reads_data_embedding(upstream, upstreams):
    embedder = make_embedder(openai(upstream, batch_size=10), upstreams)
    vectors = await embedder.embed(["one", "two"])
    assert len(vectors) == 2 and len(vectors[0]) == 4 and vectors[0] != vectors[1]
    assert upstream.last("/v1/embeddings").body == {"input": ["one", "two"],
                                                   "model": "text-embedding-3-small"}


async def test_concurrency_limit_is_kept(upstream, upstreams):
    upstream.script(MODEL, first_delay=0.2)
    embedder = make_embedder(ollama(upstream, concurrency=1), upstreams)
    started = asyncio.get_running_loop().time()
    await embedder.embed(["a", "b", "c"])
    assert asyncio.get_running_loop().time() - started >= 0.6  # one at a time


async def test_a_server_that_is_down_is_a_clear_error(upstreams):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = EmbeddingSettings(engine="ollama", model=MODEL,
                                 ollama_base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(UpstreamUnreachable, match="^The embedding server is unreachable"):
        await make_embedder(settings, upstreams).embed(["a"])


async def test_a_slow_server_times_out(upstream, upstreams):
    upstream.script(MODEL, first_delay=1.5)
    embedder = make_embedder(ollama(upstream, timeout=0.3), upstreams)
    with pytest.raises(UpstreamTimeout, match="within 0.3 s"):
        await embedder.embed(["a"])


async def test_a_refusal_and_a_wrong_key_are_clear(upstream, upstreams):
    upstream.script(MODEL, status=500, error_message="model crashed")
    with pytest.raises(UpstreamRefused, match="The embedding server failed.*model crashed"):
        await make_embedder(ollama(upstream), upstreams).embed(["a"])
    with pytest.raises(UpstreamRefused, match="refused this server's credentials") as caught:
        await make_embedder(openai(upstream, openai_key="wrong"), upstreams).embed(["a"])
    assert "wrong" not in caught.value.message


async def test_vectors_of_the_wrong_dimension_or_shape_are_refused(upstream, upstreams):
    embedder = make_embedder(ollama(upstream), upstreams)
    assert len((await embedder.embed(["a"], dimension=4))[0]) == 4
    upstream.script(MODEL, dims=3)
    with pytest.raises(UpstreamBroken, match="3 dimensions where 4 were expected"):
        await embedder.embed(["a"], dimension=4)
    upstream.vectorize = lambda text: [1.0, 2.0, 3.0] if text == "x" else [1.0, 2.0]
    with pytest.raises(UpstreamBroken, match="dimensions"):
        await embedder.embed(["x", "y"])
    upstream.vectorize = lambda text: []
    with pytest.raises(UpstreamBroken, match="not a list of finite numbers"):
        await embedder.embed(["x"])


async def test_the_local_engine_without_its_extra_says_how_to_get_it():
    if LocalEmbedder.available():  # installed: it must embed, offline
        vectors = await LocalEmbedder(EmbeddingSettings()).embed(["hello", "world"])
        assert len(vectors) == 2 and len(vectors[0]) == 384
        return
    with pytest.raises(LocalEmbeddingsMissing, match="local-embeddings extra"):
        await LocalEmbedder(EmbeddingSettings()).embed(["a"])


def test_settings_follow_open_webuis_variables(tmp_path):
    loaded = load_embedding_settings({
        "RAG_EMBEDDING_ENGINE": "openai", "RAG_EMBEDDING_MODEL": "text-embedding-3-large",
        "RAG_OPENAI_API_BASE_URL": "http://emb.example/v1/", "RAG_OPENAI_API_KEY": "sk-1",
        "RAG_EMBEDDING_BATCH_SIZE": "16", "RAG_EMBEDDING_CONCURRENT_REQUESTS": "4",
        "RAG_EMBEDDING_TIMEOUT": "30"})
    assert (loaded.engine, loaded.model, loaded.openai_base_url, loaded.openai_key,
            loaded.batch_size, loaded.concurrency, loaded.timeout) == (
        "openai", "text-embedding-3-large", "http://emb.example/v1", "sk-1", 16, 4, 30.0)
    assert load_embedding_settings({}).model == "sentence-transformers/all-MiniLM-L6-v2"
    base = {"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k" * 32}
    settings = load_settings(base | {"RAG_TOP_K": "5", "RAG_HYBRID_BM25_WEIGHT": "0.25",
                                     "ENABLE_RAG_HYBRID_SEARCH": "true"})
    assert settings.vectors.vector_db == "embedded"
    assert (settings.vectors.retrieval.top_k, settings.vectors.retrieval.bm25_weight,
            settings.vectors.retrieval.hybrid) == (5, 0.25, True)
    for bad in ({"RAG_EMBEDDING_ENGINE": "azure"}, {"RAG_EMBEDDING_BATCH_SIZE": "0"},
                {"VECTOR_DB": "milvus"}, {"VECTOR_DB": "weaviate"},
                {"RAG_HYBRID_BM25_WEIGHT": "2"}, {"RAG_TOP_K": "x"},
                {"RAG_EMBEDDING_TIMEOUT": "-1"}):
        with pytest.raises(SettingsError, match=next(iter(bad))):
            load_settings(base | bad)


# ---- Azure OpenAI (tests/support/reranking.py serves its route) ----------------------


@pytest.fixture
async def azure():
    async with ScriptedModels() as scripted:
        scripted.vectorize = lambda text: [float(len(text)), 1.0, 0.0]
        yield scripted


def azure_settings(server, **more) -> EmbeddingSettings:
    return EmbeddingSettings(**{"engine": "azure_openai", "model": "embed-deploy",
                                "azure_base_url": server.url, "azure_key": "azure-key",
                                "azure_version": "2024-02-01", **more})


async def test_azure_engine_sends_the_deployment_version_and_api_key(azure, upstreams):
    embedder = make_embedder(azure_settings(azure, batch_size=2), upstreams)
    assert await embedder.embed(["a", "bb\nb", "ccc"]) == [[1.0, 1.0, 0.0], [4.0, 1.0, 0.0],
                                                            [3.0, 1.0, 0.0]]
    sent = [r for r in azure.requests if "/openai/deployments/" in r.path]
    assert [r.path for r in sent] == [
        "/openai/deployments/embed-deploy/embeddings?api-version=2024-02-01"] * 2
    assert [r.body for r in sent] == [{"input": ["a", "bb b"]}, {"input": ["ccc"]}]
    assert sent[0].headers["api-key"] == "azure-key"
    assert "authorization" not in sent[0].headers


async def test_azure_rate_limits_are_waited_out_then_refused(azure, upstreams):
    azure.azure_statuses = [429, 429]
    embedder = make_embedder(azure_settings(azure), upstreams)
    assert await embedder.embed(["ok"]) == [[2.0, 1.0, 0.0]]
    assert len(azure.requests) == 3
    azure.azure_statuses = [429] * 5
    with pytest.raises(UpstreamRefused) as refused:
        await embedder.embed(["never"])
    assert refused.value.status == 429 and "embedding server" in refused.value.message


async def test_azure_wrong_key_and_version_are_refused_without_the_key(azure, upstreams):
    with pytest.raises(UpstreamRefused) as refused:
        await make_embedder(azure_settings(azure, azure_key="wrong-key"), upstreams
                            ).embed(["x"])
    assert "credentials" in refused.value.message and "wrong-key" not in refused.value.message
    with pytest.raises(UpstreamRefused) as refused:
        await make_embedder(azure_settings(azure, azure_version="1999-01-01"), upstreams
                            ).embed(["x"])
    assert "404" in refused.value.message or refused.value.status == 404


def test_azure_settings_need_a_url_and_a_version():
    with pytest.raises(EmbeddingSettingsError, match="RAG_AZURE_OPENAI_BASE_URL"):
        load_embedding_settings({"RAG_EMBEDDING_ENGINE": "azure_openai"})
    settings = load_embedding_settings({
        "RAG_EMBEDDING_ENGINE": "azure_openai", "RAG_EMBEDDING_MODEL": "deploy",
        "RAG_AZURE_OPENAI_BASE_URL": "https://x.openai.azure.com/",
        "RAG_AZURE_OPENAI_API_KEY": " k ", "RAG_AZURE_OPENAI_API_VERSION": "2024-02-01"})
    assert (settings.azure_base_url, settings.azure_key, settings.azure_version) == (
        "https://x.openai.azure.com", "k", "2024-02-01")
