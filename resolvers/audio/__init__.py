"""Speech: text to speech and speech to text through OpenAI-compatible engines, and
their settings."""

from resolvers.audio.config import AUDIO_FIELDS, get_audio_config, update_audio_config
from resolvers.audio.engines import list_models, list_voices
from resolvers.audio.speech import SpeechFile, speak, synthesize_speech
from resolvers.audio.transcription import (
    MAX_AUDIO_UPLOAD,
    AudioUpload,
    Segment,
    Transcript,
    audio_too_large,
    check_transcriber,
    transcribe_audio,
    transcribe_file,
)

__all__ = [
    "AUDIO_FIELDS", "MAX_AUDIO_UPLOAD", "AudioUpload", "Segment", "SpeechFile", "Transcript",
    "audio_too_large", "check_transcriber", "get_audio_config", "list_models",
    "list_voices", "speak", "synthesize_speech", "transcribe_audio", "transcribe_file",
    "update_audio_config",
]
