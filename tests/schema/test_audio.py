"""`speak` and `transcribe` over GraphQL against a scripted OpenAI-compatible speech
server: speech stored as a file of the caller's (seen in the files routes), a transcript
with segments from verbose_json, and faults that leave no file row behind."""

from collections.abc import AsyncIterator

import pytest

from tests.conftest import bearer
from tests.schema.conftest import error_codes
from tests.support.audio import MP3, ScriptedAudio, wav_bytes

KEY = "sk-audio-engine-secret-key"
SPEAK = """mutation Speak($input: SpeakInput!) {
  speak(input: $input) { id filename contentType size owner { email } }
}"""
TRANSCRIBE = """mutation Transcribe($input: TranscribeInput!) {
  transcribe(input: $input) { text language duration segments { start end text } }
}"""


@pytest.fixture
async def engine() -> AsyncIterator[ScriptedAudio]:
    async with ScriptedAudio(key=KEY) as scripted:
        yield scripted


@pytest.fixture
def env_overrides(engine) -> dict[str, str]:
    return {"AUDIO_TTS_ENGINE": "openai", "AUDIO_TTS_OPENAI_API_BASE_URL": engine.url,
            "AUDIO_TTS_OPENAI_API_KEY": KEY, "AUDIO_STT_ENGINE": "openai",
            "AUDIO_STT_OPENAI_API_BASE_URL": engine.url, "AUDIO_STT_OPENAI_API_KEY": KEY}


async def _file_count(client, token: str) -> int:
    return (await client.get("/api/v1/files/", headers=bearer(token))).json()["total"]


async def test_speak_stores_a_file_of_the_callers(graphql, client, engine):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    data = await graphql.ok(SPEAK, {"input": {"input": "Read me", "voice": "echo",
                                              "speed": 1.5}}, token=user)
    spoken = data["speak"]
    assert spoken["filename"] == "speech.mp3" and spoken["contentType"] == "audio/mpeg"
    assert spoken["size"] == len(MP3) and spoken["owner"] == {"email": "una@example.com"}
    assert engine.calls("/audio/speech")[0].json == {
        "input": "Read me", "voice": "echo", "speed": 1.5, "model": "tts-1"}
    content = await client.get(f"/api/v1/files/{spoken['id']}/content", headers=bearer(user))
    assert content.status_code == 200 and content.content == MP3
    # Spoken again: a second file from the cache, without the engine.
    await graphql.ok(SPEAK, {"input": {"input": "Read me", "voice": "echo", "speed": 1.5}},
                     token=user)
    assert len(engine.calls("/audio/speech")) == 1 and await _file_count(client, user) == 2


@pytest.mark.parametrize(("knobs", "code"), [
    ({"status": 500}, "UPSTREAM_FAILED"), ({"speech": "json"}, "UPSTREAM_FAILED"),
    ({"speech": "big"}, "UPSTREAM_FAILED")])
async def test_a_failing_engine_leaves_no_file(graphql, client, engine, knobs, code):
    admin = await graphql.admin()
    for knob, value in knobs.items():
        setattr(engine.plan, knob, value)
    failed = await graphql(SPEAK, {"input": {"input": "Read me"}}, token=admin)
    assert error_codes(failed) == [code]
    assert KEY not in str(failed)
    empty = await graphql(SPEAK, {"input": {"input": ""}}, token=admin)
    assert error_codes(empty) == ["BAD_USER_INPUT"]
    assert await _file_count(client, admin) == 0


async def _upload(client, token: str, name: str, content: bytes, kind: str) -> str:
    answer = await client.post("/api/v1/files/?process=false", headers=bearer(token),
                               files={"file": (name, content, kind)})
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


async def test_transcribe_a_file_with_segments(graphql, client, engine):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    file_id = await _upload(client, user, "memo.wav", wav_bytes(), "audio/wav")
    heard = (await graphql.ok(TRANSCRIBE, {"input": {"fileId": file_id, "language": "en"}},
                              token=user))["transcribe"]
    assert heard == {"text": "hello from the scripted engine", "language": "english",
                     "duration": 2.5, "segments": [
                         {"start": 0.0, "end": 1.2, "text": " hello from"},
                         {"start": 1.2, "end": 2.5, "text": " the scripted engine"}]}
    assert engine.calls("/audio/transcriptions")[0].fields == {
        "model": "whisper-1", "language": "en", "response_format": "verbose_json"}

    # An engine without verbose_json (gpt-4o-transcribe): asked again plainly.
    engine.plan.refuse_verbose = True
    plain = (await graphql.ok(TRANSCRIBE, {"input": {"fileId": file_id}},
                              token=user))["transcribe"]
    assert plain["text"] == "hello from the scripted engine" and plain["segments"] == []
    assert [c.fields.get("response_format") for c in
            engine.calls("/audio/transcriptions")[1:]] == ["verbose_json", None]

    other = (await graphql.add_user(admin, "otto@example.com"))["token"]
    hidden = await graphql(TRANSCRIBE, {"input": {"fileId": file_id}}, token=other)
    assert error_codes(hidden) == ["NOT_FOUND"]
    text = await _upload(client, user, "notes.txt", b"plain words", "text/plain")
    refused = await graphql(TRANSCRIBE, {"input": {"fileId": text}}, token=user)
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert len(engine.calls("/audio/transcriptions")) == 3


async def test_speak_runs_alone(graphql, client, engine):
    admin = await graphql.admin()
    shared = await graphql("""mutation {
      updateTaskConfig(input: {taskModel: "llama3:8b"}) { taskModel }
      speak(input: {input: "Read me"}) { id }
    }""", token=admin)
    assert "BAD_USER_INPUT" in error_codes(shared)
    assert engine.heard == [] and await _file_count(client, admin) == 0
    config = (await client.get("/api/v1/tasks/config", headers=bearer(admin))).json()
    assert config["TASK_MODEL"] == ""  # the whole operation was rolled back
