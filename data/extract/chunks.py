"""Open WebUI's chunking (rest-ai.md §8.3), through the same library it uses
(langchain-text-splitters), so a document is cut at the same places: a Markdown header
pre-split that keeps the headers, then the recursive character splitter with
CHUNK_SIZE / CHUNK_OVERLAP characters, recording each chunk's `start_index`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

HEADERS = [("#" * level, f"Header {level}") for level in range(1, 7)]
# The recursive splitter holds every piece of its input at once (each word, or each
# character of a text without spaces); a long text is handed to it in segments of this
# many characters, cut at a paragraph, line or word break, so memory stays bounded.
SEGMENT = 256 * 1024
BREAKS = ("\n\n", "\n", " ")


@dataclass(frozen=True)
class Chunk:
    text: str
    start_index: int  # within the Markdown section it came from, as Open WebUI records
    headers: dict[str, str] = field(default_factory=dict)


def split_text(text: str, *, chunk_size: int = 1000, chunk_overlap: int = 100,
               markdown_headers: bool = True) -> Iterator[Chunk]:
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size,
                                              chunk_overlap=chunk_overlap,
                                              add_start_index=True)
    for section, headers in _sections(text, markdown_headers):
        for offset, segment in _segments(section):
            for doc in splitter.create_documents([segment]):
                yield Chunk(doc.page_content, offset + doc.metadata["start_index"], headers)


def _sections(text: str, markdown_headers: bool) -> Iterator[tuple[str, dict[str, str]]]:
    if not markdown_headers or "#" not in text:
        yield text, {}
        return
    for doc in MarkdownHeaderTextSplitter(HEADERS, strip_headers=False).split_text(text):
        yield doc.page_content, dict(doc.metadata)


def _segments(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    while len(text) - start > SEGMENT:
        end = start + SEGMENT
        cut = max(text.rfind(b, start + SEGMENT // 2, end) for b in BREAKS)
        end = cut + 1 if cut > 0 else end
        yield start, text[start:end]
        start = end
    if start < len(text) and text[start:].strip():
        yield start, text[start:]
