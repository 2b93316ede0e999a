"""Documents for file tests, built the way real tools write them, and REST helpers that
upload a file and wait for its processing."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile

from tests.conftest import bearer


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF showing `text` in Helvetica (the smallest valid PDF with text)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def encrypted_pdf_bytes(text: str, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(text))))
    writer.encrypt(user_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_pdf_bytes(text: str) -> bytes:
    """A PDF written by pypdf, cut off halfway (as a download that broke off)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(text))))
    out = io.BytesIO()
    writer.write(out)
    whole = out.getvalue()
    return whole[:len(whole) // 2]


def docx_bytes(*paragraphs: str) -> bytes:
    from docx import Document

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb_bytes(expanded_mb: int = 300) -> bytes:
    """A real DOCX whose document part inflates to `expanded_mb` MB of spaces."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes("bomb")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info, source.read(info))
        with bomb.open("word/document.xml", "w", force_zip64=True) as part:
            block = b" " * (1024 * 1024)
            for _ in range(expanded_mb):
                part.write(block)
    return out.getvalue()


async def upload(client, token: str, name: str, content: bytes,
                 content_type: str = "text/plain", path: str = "/api/v1/files/",
                 **params) -> dict:
    response = await client.post(path, headers=bearer(token), params=params,
                                 files={"file": (name, content, content_type)})
    assert response.status_code == 200, response.text
    return response.json()


async def wait_processed(client, token: str, file_id: str, seconds: float = 30) -> dict:
    """The file once its processing ended (completed or failed). The status stream
    (`process/status?stream=true`, which follows the file's events) ends at that moment:
    waiting on it, not asking for the file twenty times a second, frees the event loop
    for the processing itself (the 50 MB file was asked for about 600 times)."""
    async with asyncio.timeout(seconds):
        streamed = await client.get(f"/api/v1/files/{file_id}/process/status",
                                    params={"stream": "true"}, headers=bearer(token),
                                    timeout=seconds)
    assert streamed.status_code == 200, streamed.text
    last = json.loads(streamed.text.strip().rsplit("data: ", 1)[1])
    assert last["status"] in ("completed", "failed"), streamed.text
    response = await client.get(f"/api/v1/files/{file_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()
