"""Speech and transcription through Parley's Open WebUI routes, in process, against the
scripted OpenAI-compatible speech server of the tests (a local socket): what a speech
request costs when the engine is asked and when the disk cache answers, and what a
transcription upload costs by size (multipart read, checks, forwarding).

    .venv/bin/python bench/audio.py [--runs 50]

SQLite in a temporary folder; the figures are Parley's overhead plus a local engine that
answers at once, not an engine's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The repo root instead of bench/ (whose graphql.py would shadow the graphql package).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402

from asgi import create_app  # noqa: E402
from data.settings import load_settings  # noqa: E402
from tests.support.audio import ScriptedAudio  # noqa: E402


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


async def _timed(call) -> float:
    start = time.perf_counter()
    answer = await call()
    assert answer.status_code == 200, answer.text
    return time.perf_counter() - start


async def run(runs: int) -> None:
    async with ScriptedAudio() as engine:
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings({
                "DATA_DIR": folder, "WEBUI_SECRET_KEY": "bench-secret-0123456789abcdef-0123456789",
                "AUDIO_TTS_ENGINE": "openai", "AUDIO_TTS_OPENAI_API_BASE_URL": engine.url,
                "AUDIO_STT_ENGINE": "openai", "AUDIO_STT_OPENAI_API_BASE_URL": engine.url})
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://b",
                                             timeout=120) as client:
                    await _measure(client, runs)


async def _measure(client: httpx.AsyncClient, runs: int) -> None:
    token = (await client.post("/api/v1/auths/signup", json={
        "name": "Bench", "email": "bench@example.com", "password": "bench-pass-1"})
             ).json()["token"]
    client.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}

    def speak(text: str):
        return lambda: client.post("/api/v1/audio/speech", headers=auth, json={"input": text})

    misses = [await _timed(speak(f"sentence number {i}")) for i in range(runs)]
    hits = [await _timed(speak(f"sentence number {i}")) for i in range(runs)]
    print(f"speech, engine asked      {_ms(misses)}")
    print(f"speech, from the cache    {_ms(hits)}")
    for megabytes in (1, 10, 19):
        wav = b"RIFF\0\0\0\0WAVE" + bytes(megabytes * 1024**2)
        times = [await _timed(lambda wav=wav: client.post(
            "/api/v1/audio/transcriptions", headers=auth,
            files={"file": ("a.wav", wav, "audio/wav")})) for _ in range(max(3, runs // 10))]
        print(f"transcription, {megabytes:2d} MB     {_ms(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    asyncio.run(run(parser.parse_args().runs))


if __name__ == "__main__":
    main()
