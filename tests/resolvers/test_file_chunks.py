"""The boundary the vector store reads: `file_chunks(ctx, file_id)` yields a file's
chunks in order, with Open WebUI's metadata, to whoever may read the file; and the
chunking matches Open WebUI's defaults (1000 / 100 characters, Markdown headers kept)."""

import asyncio
import json
import subprocess
import sys

import pytest

from data.extract.chunks import split_text
from resolvers import files
from resolvers.context import Context, Credentials
from resolvers.errors import NotFound
from tests.support.embeddings import *  # noqa: F403 (processing embeds: the scripted server)
from tests.support.files import upload, wait_processed


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def chunks_as(app, token: str, file_id: str) -> list:
    ctx = Context(app.state.services, Credentials(bearer=token))
    async with ctx.unit_of_work():
        return [(c.chunk_index, c.text, c.meta) async for c in
                files.file_chunks(ctx, file_id, batch=2)]


async def test_file_chunks_in_order_for_readers_only(client, app, owner, accounts):
    text = "# Guide\n\n" + "".join(f"Paragraph {i} " + "lorem ipsum " * 40 + "\n\n"
                                   for i in range(6))
    body = await upload(client, owner, "guide.md", text.encode(), "text/markdown")
    await wait_processed(client, owner, body["id"])
    found = await chunks_as(app, owner, body["id"])
    expected = list(split_text(text))
    assert [i for i, _, _ in found] == list(range(len(expected))) and len(expected) > 2
    assert [t for _, t, _ in found] == [c.text for c in expected]
    assert all(m["file_id"] == body["id"] and m["source"] == "guide.md"
               and m["Header 1"] == "Guide" for _, _, m in found)
    stranger = (await accounts.user("stranger@example.com"))["token"]
    with pytest.raises(NotFound):
        await chunks_as(app, stranger, body["id"])


def test_open_webui_chunk_sizes_and_overlap():
    words = " ".join(f"word{i:04}" for i in range(1000))  # 8,999 characters
    chunks = list(split_text(words))
    assert all(len(c.text) <= 1000 for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        overlap = before.text[-100:]
        assert after.text.startswith(overlap.split(" ", 1)[1][:50])
        assert words[after.start_index:after.start_index + len(after.text)] == after.text


def test_headers_pre_split_and_kept():
    text = "# One\nalpha\n## Two\nbeta\n# Three\ngamma"
    chunks = list(split_text(text))
    assert [c.text for c in chunks] == ["# One\nalpha", "## Two\nbeta", "# Three\ngamma"]
    assert chunks[1].headers == {"Header 1": "One", "Header 2": "Two"}
    plain = list(split_text(text, markdown_headers=False))
    assert [c.text for c in plain] == [text]


def test_a_long_text_without_breaks_is_cut_within_bounds():
    text = "x" * 600_000
    chunks = list(split_text(text))
    assert all(len(c.text) <= 1000 for c in chunks)
    assert "".join(c.text for c in chunks).count("x") >= 600_000


PROBE = """
import json, pathlib, sys, time
from data.file_settings import FileSettings
from data.tables import FileRow
from resolvers.files.processing import _work
folder = pathlib.Path(sys.argv[1])
line = b"lorem ipsum dolor sit amet consectetur " * 26000
with open(folder / "long.txt", "wb") as out:
    while out.tell() < 50 * 1024**2:
        out.write(line[: 50 * 1024**2 - out.tell()])
started = time.monotonic()
row = FileRow(id="f", user_id="u", filename="long.txt", meta={"content_type": "text/plain"})
text, chunks = _work(FileSettings(uploads_dir=folder), row, folder / "long.txt")
# VmHWM: this program's peak, which (unlike ru_maxrss) does not carry over the parent's.
status = pathlib.Path("/proc/self/status").read_text().splitlines()
peak_kb = int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
print(json.dumps({"chunks": len(chunks), "seconds": time.monotonic() - started,
                  "peak_mb": peak_kb // 1024}))
"""


async def test_fifty_megabyte_line_in_bounded_memory(tmp_path):
    """Extraction and chunking of a 50 MB single line, in a process of its own so its
    peak memory is its own: the text (50 MB) and its chunks, not every word at once (the
    splitter given the whole line peaks above 1.3 GB)."""
    # Without blocking the event loop: other tests' databases are dropped on it meanwhile.
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, str(tmp_path), stdout=subprocess.PIPE)
    stdout, _ = await asyncio.wait_for(probe.communicate(), 300)
    assert probe.returncode == 0
    found = json.loads(stdout)
    assert 50 * 1024**2 / 1000 < found["chunks"] < 50 * 1024**2 / 850
    assert found["peak_mb"] < 400, found
