"""What every family of documents in the retrieval quality set builds: a document's file
name, its text as stored, and its question-bearing passages with their questions."""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class Doc:
    name: str
    text: str = ""
    # (passage, questions): the passage appears verbatim in the extracted text; each
    # question asks for it in other words.
    qa: list[tuple[str, list[str]]] = field(default_factory=list)

    def ask(self, passage: str, *questions: str) -> str:
        self.qa.append((passage, list(questions)))
        return passage


def html_page(title: str, sections: list[tuple[str, list[str]]]) -> str:
    """A small, plain HTML page: one <p> per paragraph, so extraction keeps each whole."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for heading, paragraphs in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title>\n<style>body{{font-family:sans-serif}}"
            "</style></head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")
