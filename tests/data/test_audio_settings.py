"""The audio settings seeded from Open WebUI's variables, and the container check that
decides what is audio."""

import io
import wave

import pytest

from data.audio.formats import audio_format
from data.audio.settings import OPENAI_BASE, audio_seed
from data.settings import SettingsError
from tests.conftest import make_settings


def test_defaults_and_fallbacks_to_the_openai_connection():
    seeded = audio_seed({})
    assert seeded["audio.tts.engine"] == "" and seeded["audio.tts.voice"] == "alloy"
    assert seeded["audio.stt.openai.api_base_url"] == OPENAI_BASE
    fallen = audio_seed({"OPENAI_API_BASE_URL": "http://gpu:8000/v1", "OPENAI_API_KEY": "k",
                         "AUDIO_STT_OPENAI_API_BASE_URL": "http://whisper:9000/v1"})
    assert fallen["audio.tts.openai.api_base_url"] == "http://gpu:8000/v1"
    assert fallen["audio.tts.openai.api_key"] == "k"
    assert fallen["audio.stt.openai.api_base_url"] == "http://whisper:9000/v1"
    listed = audio_seed({"AUDIO_STT_ALLOWED_EXTENSIONS": " MP3, .wav ,,opus",
                         "AUDIO_TTS_OPENAI_PARAMS": '{"stream_format": "audio"}'})
    assert listed["audio.stt.allowed_extensions"] == ["mp3", "wav", "opus"]
    assert listed["audio.tts.openai.params"] == {"stream_format": "audio"}


@pytest.mark.parametrize("raw", ["[1]", "not json"])
def test_bad_params_stop_the_start(tmp_path, raw):
    with pytest.raises(SettingsError, match="AUDIO_TTS_OPENAI_PARAMS"):
        make_settings(tmp_path, "sqlite:///unused.db", AUDIO_TTS_OPENAI_PARAMS=raw)


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(160))
    return out.getvalue()


@pytest.mark.parametrize(("head", "found"), [
    (_wav(), "wav"), (b"ID3\x04\x00", "mp3"), (b"\xff\xfb\x90\x64", "mp3"),
    (b"\xff\xf1\x50\x80", "aac"), (b"OggS\x00\x02", "ogg"), (b"fLaC\x00", "flac"),
    (b"\x1a\x45\xdf\xa3\x9f", "webm"), (b"\x00\x00\x00\x20ftypM4A ", "m4a"),
    (b"\x00\x00\x00\x18ftypisom", "mp4"),
    (b"RIFF\x00\x00\x00\x00AVI ", None), (b"<html>", None), (b"%PDF-1.7", None),
    (b"", None), (b"\xff", None), (b"PK\x03\x04", None),
])
def test_containers_are_known_by_their_first_bytes(head, found):
    assert audio_format(head[:16]) == found
