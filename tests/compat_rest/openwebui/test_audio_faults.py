"""Audio faults on Open WebUI's routes: an engine that is down, slow, failing, answering
something that is not audio or 200 MB; uploads that are not audio, empty or too large;
bad speech requests and engine settings. Each is a clear 4xx/5xx in Open WebUI's
`{"detail"}` shape, the engine is not asked when the request is at fault, and nothing is
kept (no cache entry, no file row)."""

from collections.abc import AsyncIterator

import pytest

from data.settings import SettingsError
from tests.conftest import bearer, make_settings
from tests.support.audio import ScriptedAudio, wav_bytes
from tests.support.server import free_port

KEY = "sk-audio-engine-secret-key"
V1 = "/api/v1/audio"


@pytest.fixture
async def engine() -> AsyncIterator[ScriptedAudio]:
    async with ScriptedAudio(key=KEY) as scripted:
        yield scripted


@pytest.fixture
def env_overrides(engine) -> dict[str, str]:
    return {"AUDIO_TTS_ENGINE": "openai", "AUDIO_TTS_OPENAI_API_BASE_URL": engine.url,
            "AUDIO_TTS_OPENAI_API_KEY": KEY, "AUDIO_STT_ENGINE": "openai",
            "AUDIO_STT_OPENAI_API_BASE_URL": engine.url, "AUDIO_STT_OPENAI_API_KEY": KEY,
            "UPSTREAM_IDLE_TIMEOUT": "1", "AIOHTTP_CLIENT_TIMEOUT": "2"}


@pytest.fixture
async def user(accounts) -> dict[str, str]:
    await accounts.admin()
    return bearer((await accounts.user("una@example.com"))["token"])


async def _files(client, accounts) -> int:
    answer = await client.get("/api/v1/files/", headers=bearer(accounts.admin_token))
    return answer.json()["total"]


@pytest.mark.parametrize(("plan", "status", "words"), [
    ({"status": 500}, 502, "The speech engine failed (HTTP 500): the engine failed"),
    ({"status": 429}, 429, "The speech engine answered 429"),
    ({"hang": True}, 504, "The speech engine stopped answering"),
    ({"speech": "json"}, 502, "not audio (application/json)"),
    ({"speech": "big"}, 502, "more than 50 MB of audio"),
    ({"speech": "trickle"}, 504, "The speech engine did not answer whole within 2 s"),
    ({"speech": "close"}, 502, "not valid HTTP"),  # a body cut short of its length
])
async def test_engine_faults_are_clear_and_nothing_is_cached(client, accounts, user, engine,
                                                             plan, status, words):
    for knob, value in plan.items():
        setattr(engine.plan, knob, value)
    answer = await client.post(f"{V1}/speech", headers=user, json={"input": "Hello"})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"] and KEY not in answer.text
    assert "127.0.0.1" not in answer.text
    engine.plan.__init__()  # the engine recovers: the failure was not cached
    assert (await client.post(f"{V1}/speech", headers=user,
                              json={"input": "Hello"})).status_code == 200
    assert len(engine.calls("/audio/speech")) == 2
    assert await _files(client, accounts) == 0


@pytest.mark.parametrize(("plan", "status", "words"), [
    ({"status": 500}, 502, "The transcription engine failed (HTTP 500)"),
    ({"status": 400}, 400, "The transcription engine answered 400: the engine failed"),
    ({"hang": True}, 504, "The transcription engine stopped answering"),
    ({"transcript_body": b"<html>busy</html>"}, 502, "did not answer a transcript"),
    ({"transcript_body": b'{"text": 5}'}, 502, "did not answer a transcript"),
])
async def test_transcription_engine_faults(client, user, engine, plan, status, words):
    for knob, value in plan.items():
        setattr(engine.plan, knob, value)
    answer = await client.post(f"{V1}/transcriptions", headers=user,
                               files={"file": ("a.wav", wav_bytes(), "audio/wav")})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"] and KEY not in answer.text


async def test_an_engine_that_is_down(client, user, accounts, engine):
    closed = f"http://127.0.0.1:{free_port()}/v1"
    await client.post(f"{V1}/config/update", headers=bearer(accounts.admin_token), json={
        "tts": {"OPENAI_API_BASE_URL": closed}, "stt": {"OPENAI_API_BASE_URL": closed}})
    speech = await client.post(f"{V1}/speech", headers=user, json={"input": "Hello"})
    assert speech.status_code == 502 and "unreachable" in speech.json()["detail"]
    heard = await client.post(f"{V1}/transcriptions", headers=user,
                              files={"file": ("a.wav", wav_bytes(), "audio/wav")})
    assert heard.status_code == 502
    assert heard.json()["detail"] == "The transcription engine is unreachable."


@pytest.mark.parametrize(("body", "field"), [
    ({"input": ""}, "input"), ({"input": "   "}, "input"), ({}, "input"),
    ({"input": "x" * 1024 * 1024}, "input"), ({"input": 5}, "input"),
    ({"input": "Hi", "speed": 100}, "speed"), ({"input": "Hi", "speed": True}, "speed"),
    ({"input": "Hi", "response_format": "midi"}, "response_format"),
    ({"input": "Hi", "voice": ["a"]}, "voice"),
])
async def test_bad_speech_requests_are_400_without_the_engine(client, user, engine, body,
                                                              field):
    answer = await client.post(f"{V1}/speech", headers=user, json=body)
    assert answer.status_code == 400, answer.text
    assert f"`{field}`" in answer.json()["detail"]
    assert engine.heard == []


async def test_bad_json_and_missing_engines(client, user, accounts, engine):
    admin = bearer(accounts.admin_token)
    not_json = await client.post(f"{V1}/speech", headers={**user, "Content-Type":
                                 "application/json"}, content=b"{nope")
    assert not_json.status_code == 400 and not_json.json() == {"detail": "Invalid JSON payload"}
    listed = await client.post(f"{V1}/speech", headers=user, json=["input"])
    assert listed.status_code == 400
    await client.post(f"{V1}/config/update", headers=admin,
                      json={"tts": {"ENGINE": "elevenlabs"}, "stt": {"ENGINE": ""}})
    other = await client.post(f"{V1}/speech", headers=user, json={"input": "Hi"})
    assert other.status_code == 400 and "elevenlabs" in other.json()["detail"]
    heard = await client.post(f"{V1}/transcriptions", headers=user,
                              files={"file": ("a.wav", wav_bytes(), "audio/wav")})
    assert heard.status_code == 404 and "not configured" in heard.json()["detail"]
    await client.post(f"{V1}/config/update", headers=admin, json={"tts": {"ENGINE": ""}})
    off = await client.post(f"{V1}/speech", headers=user, json={"input": "Hi"})
    assert off.status_code == 404
    assert engine.heard == []


@pytest.mark.parametrize(("part", "status", "words"), [
    (("notes.txt", b"just text", "text/plain"), 400, "not an audio type"),
    (("fake.wav", b"<html>not audio</html>", "audio/wav"), 400, "not audio"),
    (("empty.wav", b"", "audio/wav"), 400, "empty"),
    (("a.exe", wav_bytes(), "audio/wav"), 400, "File type exe is not allowed"),
    (("long.wav", b"RIFF\0\0\0\0WAVE" + bytes(21 * 1024**2), "audio/wav"), 413, "ffmpeg"),
])
async def test_uploads_are_checked_before_the_engine(client, user, accounts, engine, part,
                                                      status, words):
    answer = await client.post(f"{V1}/transcriptions", headers=user, files={"file": part})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert engine.heard == [] and await _files(client, accounts) == 0


async def test_a_bad_language_or_form(client, user, engine):
    bad = await client.post(f"{V1}/transcriptions", headers=user, data={"language": "en\r\nx"},
                            files={"file": ("a.wav", wav_bytes(), "audio/wav")})
    assert bad.status_code == 400 and "language" in bad.json()["detail"]
    no_file = await client.post(f"{V1}/transcriptions", headers=user, files={
        "other": ("a.wav", wav_bytes(), "audio/wav")})
    assert no_file.status_code == 400 and "`file`" in no_file.json()["detail"]
    assert engine.heard == []


async def test_link_local_engine_urls_are_refused(client, user, accounts, engine):
    admin = bearer(accounts.admin_token)
    for url in ("http://169.254.169.254/latest", "http://metadata.google.internal/v1"):
        answer = await client.post(f"{V1}/config/update", headers=admin,
                                   json={"tts": {"OPENAI_API_BASE_URL": url}})
        assert answer.status_code == 400 and "metadata" in answer.json()["detail"]
    config = (await client.get(f"{V1}/config", headers=admin)).json()
    assert config["tts"]["OPENAI_API_BASE_URL"] == engine.url


@pytest.mark.parametrize("env_overrides", [{
    "AUDIO_TTS_ENGINE": "openai", "AUDIO_TTS_OPENAI_API_BASE_URL": "http://169.254.169.254/v1",
}])
async def test_a_seeded_link_local_url_is_refused_when_used(client, user):
    answer = await client.post(f"{V1}/speech", headers=user, json={"input": "Hi"})
    assert answer.status_code == 502
    assert "link-local or cloud metadata" in answer.json()["detail"]


@pytest.mark.parametrize("value", ["soon", "-1", "100000"])
def test_a_bad_engine_timeout_stops_the_start(tmp_path, value):
    with pytest.raises(SettingsError, match="AIOHTTP_CLIENT_TIMEOUT"):
        make_settings(tmp_path, "sqlite:///unused.db", AIOHTTP_CLIENT_TIMEOUT=value)
    assert make_settings(tmp_path, "sqlite:///unused.db",
                         AIOHTTP_CLIENT_TIMEOUT="").audio_timeout is None
