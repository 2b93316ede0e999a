"""Open WebUI's `/api/v1/audio` routes and the documented `/api/audio` ones against a
scripted OpenAI-compatible speech server: settings, lists, speech (cached on disk) and
transcriptions in both request formats, on SQLite and PostgreSQL."""

import base64
from collections.abc import AsyncIterator

import openai
import pytest

from tests.conftest import bearer
from tests.support.ai import live  # noqa: F401 (a fixture)
from tests.support.audio import MP3, ScriptedAudio, wav_bytes

KEY = "sk-audio-engine-secret-key"
V1, SHORT = "/api/v1/audio", "/api/audio"


@pytest.fixture
async def engine() -> AsyncIterator[ScriptedAudio]:
    async with ScriptedAudio(key=KEY) as scripted:
        yield scripted


@pytest.fixture
def env_overrides(engine) -> dict[str, str]:
    return {"AUDIO_TTS_ENGINE": "openai", "AUDIO_TTS_OPENAI_API_BASE_URL": engine.url,
            "AUDIO_TTS_OPENAI_API_KEY": KEY, "AUDIO_TTS_VOICE": "nova",
            "AUDIO_STT_ENGINE": "openai", "AUDIO_STT_OPENAI_API_BASE_URL": engine.url,
            "AUDIO_STT_OPENAI_API_KEY": KEY, "AUDIO_STT_MODEL": "whisper-1"}


async def test_admins_read_masked_keys_and_change_settings(client, accounts, engine):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = bearer((await accounts.user("una@example.com"))["token"])
    config = (await client.get(f"{V1}/config", headers=admin)).json()
    assert config["tts"]["ENGINE"] == "openai" and config["tts"]["VOICE"] == "nova"
    assert config["tts"]["OPENAI_API_KEY"] == "sk-…-key" and KEY not in str(config)
    assert config["stt"]["ALLOWED_EXTENSIONS"][:3] == ["mp3", "wav", "m4a"]
    assert (await client.get(f"{V1}/config", headers=user)).status_code == 401

    form = {"tts": dict(config["tts"], VOICE="echo", AZURE_SPEECH_REGION="westus"),
            "stt": dict(config["stt"], OPENAI_API_REQUEST_FORMAT="json")}
    refused = await client.post(f"{V1}/config/update", headers=user, json=form)
    assert refused.status_code == 401
    changed = await client.post(f"{V1}/config/update", headers=admin, json=form)
    assert changed.status_code == 200, changed.text
    assert changed.json()["tts"]["VOICE"] == "echo"
    assert changed.json()["tts"]["OPENAI_API_KEY"] == config["tts"]["OPENAI_API_KEY"]
    # The masked key sent back kept the real one: the engine still accepts our calls.
    spoken = await client.post(f"{V1}/speech", headers=user, json={"input": "Hi"})
    assert spoken.status_code == 200, spoken.text
    assert engine.calls("/audio/speech")[-1].json["voice"] == "echo"

    bad = [{"tts": {"OPENAI_API_BASE_URL": "ftp://engine"}},
           {"stt": {"OPENAI_API_REQUEST_FORMAT": "xml"}},
           {"tts": {"OPENAI_PARAMS": [1]}}, {"tts": {"VOICE": 3}}]
    for body in bad:
        answer = await client.post(f"{V1}/config/update", headers=admin, json=body)
        assert answer.status_code == 400, (body, answer.text)
    after = (await client.get(f"{V1}/config", headers=admin)).json()
    assert after == changed.json()


async def test_speech_is_asked_once_then_served_from_the_cache(client, accounts, engine):
    await accounts.admin()
    user = bearer((await accounts.user("una@example.com"))["token"])
    first = await client.post(f"{V1}/speech", headers=user,
                              json={"input": "Hello there", "model": "ignored"})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/mpeg" and first.content == MP3
    sent = engine.calls("/audio/speech")[0]
    assert sent.json == {"input": "Hello there", "model": "tts-1", "voice": "nova"}
    assert sent.headers["authorization"] == f"Bearer {KEY}"

    again = await client.post(f"{SHORT}/speech", headers=user,
                              json={"input": "Hello there", "model": "ignored"})
    assert again.status_code == 200 and again.content == MP3
    assert len(engine.calls("/audio/speech")) == 1  # the cache answered
    other = await client.post(f"{SHORT}/speech", headers=user,
                              json={"input": "Hello there", "voice": "onyx"})
    assert other.status_code == 200 and len(engine.calls("/audio/speech")) == 2


async def test_transcriptions_in_both_request_formats(client, accounts, engine):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = bearer((await accounts.user("una@example.com"))["token"])
    audio = wav_bytes()
    answer = await client.post(f"{V1}/transcriptions", headers=user,
                               files={"file": ("memo.wav", audio, "audio/wav")},
                               data={"language": "en"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["text"] == "hello from the scripted engine"
    assert answer.json()["filename"].endswith(".wav")
    heard = engine.calls("/audio/transcriptions")[-1]
    assert heard.file == audio
    assert heard.fields == {"model": "whisper-1", "language": "en"}

    await client.post(f"{V1}/config/update", headers=admin,
                      json={"stt": {"OPENAI_API_REQUEST_FORMAT": "json"}})
    documented = await client.post(f"{SHORT}/transcriptions", headers=user,
                                   files={"file": ("memo.oga", _ogg(), "audio/ogg")})
    assert documented.status_code == 400  # oga is not an allowed extension by default
    documented = await client.post(f"{SHORT}/transcriptions", headers=user,
                                   files={"file": ("memo.wav", audio, "audio/wav")})
    assert documented.status_code == 200, documented.text
    sent = engine.calls("/audio/transcriptions")[-1].json
    assert sent["model"] == "whisper-1" and sent["input_audio"]["format"] == "wav"
    assert base64.b64decode(sent["input_audio"]["data"]) == audio


def _ogg() -> bytes:
    return b"OggS" + bytes(200)


async def test_models_and_voices(client, accounts, engine):
    await accounts.admin()
    user = bearer((await accounts.user("una@example.com"))["token"])
    # A server without the lists: no models, OpenAI's voices.
    assert (await client.get(f"{V1}/models", headers=user)).json() == {"models": []}
    voices = (await client.get(f"{V1}/voices", headers=user)).json()["voices"]
    assert {"id": "alloy", "name": "alloy"} in voices
    engine.plan.voices = [{"id": "af_bella", "name": "Bella"}, "am_adam"]
    engine.plan.models = [{"id": "kokoro"}]
    assert (await client.get(f"{V1}/voices", headers=user)).json() == {"voices": [
        {"id": "af_bella", "name": "Bella"}, {"id": "am_adam", "name": "am_adam"}]}
    assert (await client.get(f"{V1}/models", headers=user)).json() == {
        "models": [{"id": "kokoro"}]}
    assert (await client.get(f"{V1}/voices")).status_code == 401


async def test_permissions_chat_tts_and_stt(client, accounts, engine):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = bearer((await accounts.user("una@example.com"))["token"])
    defaults = (await client.get("/api/v1/users/default/permissions", headers=admin)).json()
    defaults["chat"] |= {"tts": False, "stt": False}
    saved = await client.post("/api/v1/users/default/permissions", headers=admin,
                              json=defaults)
    assert saved.status_code == 200, saved.text
    speech = await client.post(f"{V1}/speech", headers=user, json={"input": "Hi"})
    assert speech.status_code == 403
    heard = await client.post(f"{V1}/transcriptions", headers=user,
                              files={"file": ("memo.wav", wav_bytes(), "audio/wav")})
    assert heard.status_code == 403
    assert engine.heard == []
    assert (await client.post(f"{V1}/speech", headers=admin,
                              json={"input": "Hi"})).status_code == 200


@pytest.mark.parametrize("base", ["/api/v1", "/api"])
async def test_the_official_openai_client(accounts, live, engine, base):  # noqa: F811
    await accounts.admin()
    client = openai.AsyncOpenAI(base_url=f"{live}{base}", api_key=accounts.admin_token,
                                max_retries=0, timeout=10)
    try:
        speech = await client.audio.speech.create(model="tts-1", voice="alloy",
                                                  input="From the official client")
        assert speech.content == MP3
        assert engine.calls("/audio/speech")[-1].json["input"] == "From the official client"
        heard = await client.audio.transcriptions.create(
            model="whisper-1", file=("memo.wav", wav_bytes(), "audio/wav"))
        assert heard.text == "hello from the scripted engine"
        with pytest.raises(openai.BadRequestError):
            await client.audio.transcriptions.create(
                model="whisper-1", file=("memo.wav", b"not audio at all", "audio/wav"))
    finally:
        await client.close()
