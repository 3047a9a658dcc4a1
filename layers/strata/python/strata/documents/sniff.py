"""The real type of an upload, from its bytes, checked against the type it was declared as.

A PDF starts with ``%PDF``; a DOCX is a zip holding ``word/document.xml``; anything else must be
text that decodes as UTF-8 (a UTF-8 or UTF-16 byte-order mark is honoured). The declared content
type then says which text format it is, and must agree with what the bytes are.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

from strata.documents.text import DocumentFormat
from strata.errors import ValidationError

PDF_MAGIC = b"%PDF"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_MAIN_PART = "word/document.xml"

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPE_FORMATS: dict[str, DocumentFormat] = {
    "application/pdf": "pdf",
    DOCX_CONTENT_TYPE: "docx",
    "text/html": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "txt",
    "text/csv": "csv",
    "application/json": "json",
}
FORMAT_CONTENT_TYPES: dict[DocumentFormat, str] = {
    "pdf": "application/pdf",
    "docx": DOCX_CONTENT_TYPE,
    "html": "text/html",
    "markdown": "text/markdown",
    "txt": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
}
_BINARY_FORMATS: frozenset[DocumentFormat] = frozenset({"pdf", "docx"})
_FORMAT_NAMES: dict[DocumentFormat, str] = {
    "pdf": "a PDF",
    "docx": "a Word (.docx) document",
    "html": "an HTML page",
    "markdown": "a Markdown file",
    "txt": "a text file",
    "csv": "a CSV file",
    "json": "a JSON file",
}
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Sniffed:
    format: DocumentFormat
    text: str | None = None  # the decoded text, for text formats


def declared_format(content_type: str) -> DocumentFormat:
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        return CONTENT_TYPE_FORMATS[media_type]
    except KeyError:
        raise ValidationError(
            f"Files of type {media_type or 'unknown'} cannot be indexed.",
            details={"contentType": media_type},
        ) from None


def sniff(data: bytes, content_type: str) -> Sniffed:
    """The format of ``data``; a ValidationError when it is empty, unreadable or not as declared."""
    declared = declared_format(content_type)
    if not data.strip():
        raise ValidationError("The file is empty.")
    actual = _binary_format(data)
    if actual is not None:
        _require_match(declared, actual)
        return Sniffed(actual)
    if declared in _BINARY_FORMATS:
        raise ValidationError(
            f"The file was uploaded as {_FORMAT_NAMES[declared]} but its content is not one.",
            details={"declared": declared},
        )
    return Sniffed(declared, decode_text(data))


def decode_text(data: bytes) -> str:
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise ValidationError(
        "The file is neither a PDF, a Word document nor UTF-8 text, so it cannot be read."
    )


def _binary_format(data: bytes) -> DocumentFormat | None:
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        raise ValidationError(
            "The file is a password-protected Office file or a legacy .doc file; "
            "save it as an unprotected .docx or as PDF and upload it again."
        )
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise ValidationError("The file is a damaged zip archive.") from None
        if DOCX_MAIN_PART not in names:
            raise ValidationError("The file is a zip archive, not a Word (.docx) document.")
        return "docx"
    return None


def _require_match(declared: DocumentFormat, actual: DocumentFormat) -> None:
    if declared != actual:
        raise ValidationError(
            f"The file was uploaded as {_FORMAT_NAMES[declared]} but it is "
            f"{_FORMAT_NAMES[actual]}. Upload it with the right type.",
            details={"declared": declared, "actual": actual},
        )
