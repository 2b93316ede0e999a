"""A file's text by its kind: PDF (pypdf), DOCX (python-docx), HTML (BeautifulSoup),
everything else as text in its detected encoding (charset-normalizer). Runs in a worker
thread; every refusal is an ExtractionFailed whose message is shown to the user."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

SNIFF = 64 * 1024
PDF_TYPES = ("application/pdf",)
DOCX_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)
HTML_TYPES = ("text/html", "application/xhtml+xml")


class ExtractionFailed(Exception):
    """The file has no text we can read; the message says why, for `data.error`."""


def extract_text(path: Path, *, name: str, content_type: str | None,
                 max_expanded_size: int) -> str:
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    kind = (content_type or "").partition(";")[0].strip().lower()
    if ext == "pdf" or kind in PDF_TYPES:
        return _pdf(path)
    if ext == "docx" or kind in DOCX_TYPES:
        return _docx(path, max_expanded_size)
    if ext in ("html", "htm", "xhtml") or kind in HTML_TYPES:
        return _html(_text(path))
    text = _text(path)
    if ext == "json" or kind == "application/json":
        _check_json(text)
    return text


def _text(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(SNIFF)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionFailed("The file holds binary data, not text.")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    # Not UTF-8: the encoding is guessed from a sample, as a whole-file guess on a large
    # file costs seconds; a file that is not text in any encoding is refused.
    best = charset_normalizer.from_bytes(raw[:SNIFF]).best()
    if best is None or best.encoding is None:
        raise ExtractionFailed("The file is not text in any encoding we recognise.")
    try:
        return raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ExtractionFailed("The file is not text in any encoding we recognise.") from None


def _check_json(text: str) -> None:
    try:
        json.loads(text)
    except ValueError as error:
        raise ExtractionFailed(f"The file is not valid JSON: {error}") from None


def _html(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "template", "noscript"]):
        hidden.decompose()
    return soup.get_text("\n").strip()


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionFailed("The PDF is encrypted with a password.")
        # Open WebUI's PDF loader (mode "page") reads page by page.
        return "\n\n".join(page.extract_text() or "" for page in reader.pages).strip()
    except (FileNotDecryptedError, DependencyError):
        raise ExtractionFailed("The PDF is encrypted with a password.") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise ExtractionFailed(f"The PDF is damaged and cannot be read ({error}).") from None


def _docx(path: Path, max_expanded_size: int) -> str:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    # python-docx inflates parts whole: a small archive that expands to gigabytes (a "zip
    # bomb") is refused by its declared sizes before any part is read.
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise ExtractionFailed(f"The DOCX is not a valid document ({error}).") from None
    if expanded > max_expanded_size:
        raise ExtractionFailed(f"The DOCX expands to {expanded} bytes, more than the "
                               f"{max_expanded_size} allowed.")
    try:
        document = Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ExtractionFailed(f"The DOCX is not a valid document ({error}).") from None
    except Exception as error:  # lxml's parse errors and friends: a damaged document
        raise ExtractionFailed(f"The DOCX is damaged and cannot be read ({error}).") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(parts).strip()
