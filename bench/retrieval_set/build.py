"""Writes the retrieval quality set: tests/data/retrieval_quality/documents/* and
questions.jsonl (one line per question: id, question, document, passage).

Checks what the bench relies on: every passage is found, whitespace aside, in the text
Parley extracts from its document (data.extract, as uploads are read) and in no other
document, and the set is large enough. Run from anywhere:

    .venv/bin/python bench/retrieval_set/build.py
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import extra  # noqa: E402
import faqs  # noqa: E402
import manuals  # noqa: E402
import policies  # noqa: E402
import recipes  # noqa: E402
import releases  # noqa: E402
import tables  # noqa: E402

from data.extract.text import extract_text  # noqa: E402

OUT = ROOT / "tests" / "data" / "retrieval_quality"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def extracted(name: str, text: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        return extract_text(path, name=name, content_type=None, max_expanded_size=10**8)


def main() -> int:
    families = (manuals, releases, policies, recipes, faqs, tables)
    docs = extra.apply([doc for family in families for doc in family.documents()])
    texts = {doc.name: squeeze(extracted(doc.name, doc.text)) for doc in docs}
    folder = OUT / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()
    lines = []
    for doc in docs:
        (folder / doc.name).write_text(doc.text, encoding="utf-8")
        for passage, questions in doc.qa:
            holders = [name for name, text in texts.items() if squeeze(passage) in text]
            assert holders == [doc.name], (doc.name, passage, holders)
            for question in questions:
                lines.append({"id": f"q{len(lines) + 1:03}", "question": question,
                              "document": doc.name, "passage": passage})
    kinds = {name.rsplit(".", 1)[1] for name in texts}
    assert len(docs) >= 50 and len(lines) >= 200 and {"md", "txt", "html", "json",
                                                      "csv"} <= kinds
    (OUT / "questions.jsonl").write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
        encoding="utf-8")
    print(f"{len(docs)} documents ({', '.join(sorted(kinds))}), {len(lines)} questions "
          f"-> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
