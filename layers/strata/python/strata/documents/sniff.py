"""The real type of an upload, from its bytes, checked against the type it was declared as.

A PDF starts with ``%PDF``; DOCX, PPTX and XLSX are zips holding their main part; PNG, JPEG and
TIFF images start with their signatures. Anything else must be text: a byte-order mark is
honoured, valid UTF-8 is UTF-8, and any other encoding (Windows-1252, Shift JIS, UTF-16 without a
mark, ...) is detected with charset-normalizer. Only bytes that decode as no text at all are
refused as binary. The declared content type then says which text format it is, and must agree
with what the bytes are.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

from strata.documents.formats import (
    CONTENT_TYPE_FORMATS,
    DocumentFormat,
)
from strata.errors import ValidationError

PDF_MAGIC = b"%PDF"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_MAIN_PART = "word/document.xml"
PPTX_MAIN_PART = "ppt/presentation.xml"
XLSX_MAIN_PART = "xl/workbook.xml"
_IMAGE_MAGIC: tuple[tuple[bytes, DocumentFormat], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)

_BINARY_FORMATS: frozenset[DocumentFormat] = frozenset(
    {"pdf", "docx", "pptx", "xlsx", "png", "jpeg", "tiff"}
)
IMAGE_FORMATS: frozenset[DocumentFormat] = frozenset({"png", "jpeg", "tiff"})
_ZIP_FORMATS: tuple[tuple[str, DocumentFormat], ...] = (
    (DOCX_MAIN_PART, "docx"),
    (PPTX_MAIN_PART, "pptx"),
    (XLSX_MAIN_PART, "xlsx"),
)
_FORMAT_NAMES: dict[DocumentFormat, str] = {
    "pdf": "a PDF",
    "docx": "a Word (.docx) document",
    "pptx": "a PowerPoint (.pptx) presentation",
    "xlsx": "an Excel (.xlsx) workbook",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "tiff": "a TIFF image",
    "html": "an HTML page",
    "markdown": "a Markdown file",
    "txt": "a text file",
    "csv": "a CSV file",
    "json": "a JSON file",
}
# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
    """The text of ``data`` in whatever encoding it is; a ValidationError when it is binary."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break
    if b"\x00" not in data:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # noqa: PLC0415 (only for text that is not UTF-8)

    results = from_bytes(data)
    best = results.best()
    if best is not None:
        # Windows-1252 and its neighbours (1250, 1257) often fit equally well; prefer the most
        # common one when it does.
        best = next(
            (
                match
                for match in results
                if match.encoding == "cp1252"
                and match.chaos <= best.chaos
                and match.coherence >= best.coherence
            ),
            best,
        )
        text = str(best)
        if not _looks_binary(text):
            return text
    raise ValidationError(
        "The file is binary data, not text, and not a format Strata reads "
        "(PDF, Word, PowerPoint, Excel, an image or text).",
    )


def _looks_binary(text: str) -> bool:
    """Control characters (NUL above all) in more than 1% of a sample: data, not text."""
    sample = text[:65_536]
    controls = sum(1 for char in sample if char < " " and char not in "\t\n\r\f")
    return "\x00" in sample or controls > len(sample) // 100


def _binary_format(data: bytes) -> DocumentFormat | None:
    if data.startswith(PDF_MAGIC):
        return "pdf"
    for magic, image_format in _IMAGE_MAGIC:
        if data.startswith(magic):
            return image_format
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
        for part, office_format in _ZIP_FORMATS:
            if part in names:
                return office_format
        raise ValidationError(
            "The file is a zip archive, not a Word, PowerPoint or Excel document."
        )
    return None


def _require_match(declared: DocumentFormat, actual: DocumentFormat) -> None:
    if declared != actual:
        raise ValidationError(
            f"The file was uploaded as {_FORMAT_NAMES[declared]} but it is "
            f"{_FORMAT_NAMES[actual]}. Upload it with the right type.",
            details={"declared": declared, "actual": actual},
        )
