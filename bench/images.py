"""Image generation benchmark: what Parley adds around an engine. An in-process app
(SQLite in a temporary folder) and the scripted engine from tests/support (which answers
at once), so the figures are Parley's own cost: parsing, the engine round trip over
localhost, decoding base64, writing the files and their rows.

For AUTOMATIC1111 (images as base64 in JSON), OpenAI (b64_json) and ComfyUI (WebSocket,
history, one /view per image) it makes `--requests` sequential requests of n=1 and n=4
with images of `--image-kb` kB and prints p50/p95 latency in milliseconds.

The scripted engine runs in the same process, so its own JSON and base64 encoding is
in the figures too: they bound Parley's cost from above. It measures and reports; it is
not a test.

    .venv/bin/python bench/images.py [--requests 40] [--image-kb 1024]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The repository first; bench/ itself off the path (its graphql.py would shadow graphql).
sys.path = [str(Path(__file__).resolve().parents[1])] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402

from asgi import create_app  # noqa: E402
from data.settings import load_settings  # noqa: E402
from tests.compat_rest.openwebui.test_images import ENGINES  # noqa: E402
from tests.support import image_engines  # noqa: E402


async def run(requests: int, image_kb: int) -> None:
    image_engines.PNG = image_engines.PNG + b"\0" * (image_kb * 1024)  # bigger images
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"DATA_DIR": folder,
                                  "WEBUI_SECRET_KEY": "bench-secret-key-0123456789abcdef",
                                  "ENABLE_IMAGE_GENERATION": "true",
                                  "PASSWORD_ARGON2_PARAMS": "m=8,t=1,p=1"})
        app = create_app(settings)
        async with app.router.lifespan_context(app), image_engines.ScriptedImageEngine() as engine:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                signup = await client.post("/api/v1/auths/signup", json={
                    "name": "B", "email": "b@example.com", "password": "bench-pass-1"})
                admin = {"Authorization": f"Bearer {signup.json()['token']}"}
                client.cookies.clear()
                print(f"{'engine':<14} {'n':>2} {'p50 ms':>8} {'p95 ms':>8}")
                for name, config in ENGINES.items():
                    await client.post("/api/v1/images/config/update", headers=admin,
                                      json=config(engine.url))
                    for n in (1, 4):
                        times = []
                        for _ in range(requests):
                            start = time.perf_counter()
                            answer = await client.post("/api/images/generate", headers=admin,
                                                       json={"prompt": "bench", "n": n})
                            times.append((time.perf_counter() - start) * 1000)
                            assert answer.status_code == 200, answer.text
                        times.sort()
                        p95 = times[int(len(times) * 0.95) - 1]
                        print(f"{name:<14} {n:>2} {statistics.median(times):>8.1f} "
                              f"{p95:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--image-kb", type=int, default=1024)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.image_kb))


if __name__ == "__main__":
    main()
