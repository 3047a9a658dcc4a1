"""Sniffing: the bytes decide what a file is, and must agree with the declared type."""

from __future__ import annotations

import codecs

import pytest

from strata.documents.sniff import decode_text, sniff
from strata.errors import ValidationError
from tests.fixtures.documents import DOCX_TYPE, docx_bytes, pdf_bytes, plain_zip_bytes


def test_pdf_and_docx_are_recognised_by_their_bytes() -> None:
    # Given a real PDF and a real DOCX
    # When they are sniffed as declared
    # Then their formats come from the bytes
    assert sniff(pdf_bytes(["hello"]), "application/pdf").format == "pdf"
    assert sniff(docx_bytes(), DOCX_TYPE).format == "docx"


def test_declared_text_formats_are_decoded() -> None:
    sniffed = sniff("# Títle\n".encode(), "text/markdown; charset=utf-8")
    assert (sniffed.format, sniffed.text) == ("markdown", "# Títle\n")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + "café".encode(), "café"),
        ("café".encode("utf-16"), "café"),
        (b"plain", "plain"),
    ],
)
def test_text_decodes_with_or_without_byte_order_mark(data: bytes, expected: str) -> None:
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b"", "text/plain", "empty"),
        (b"  \n\t ", "text/plain", "empty"),
        (pdf_bytes(["a pdf"]), DOCX_TYPE, "Word .* document but it is a PDF"),
        (docx_bytes(), "application/pdf", "uploaded as a PDF but it is a Word"),
        (pdf_bytes(["a pdf"]), "text/plain", "uploaded as a text file but it is a PDF"),
        (b"just text", "application/pdf", "uploaded as a PDF but its content is not one"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, DOCX_TYPE, "password-protected"),
        (plain_zip_bytes(), DOCX_TYPE, "zip archive, not a Word"),
        (b"PK\x03\x04 truncated", DOCX_TYPE, "damaged zip"),
        (b"\xff\xfe\xfa binary \x00\x01", "text/plain", "binary data, not text"),
        (bytes(range(256)) * 8, "text/plain", "binary data, not text"),
        (b"GIF89a", "image/gif", "image/gif cannot be indexed"),
    ],
)
def test_unreadable_or_mislabelled_files_are_refused_with_a_reason(
    data: bytes, content_type: str, message: str
) -> None:
    # Given a file that is empty, binary, damaged or not what it was declared as
    # When it is sniffed
    # Then a ValidationError says what is wrong in words a person understands
    with pytest.raises(ValidationError, match=message):
        sniff(data, content_type)
