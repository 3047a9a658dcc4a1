"""Sniffing at its edges: encodings, NUL bytes, letter case, magic bytes in the wrong place,
and zip bombs spread over many entries."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from strata.documents.extract_docx import check_zip_expansion
from strata.documents.sniff import declared_format, decode_text, sniff
from strata.documents.text import ZIP_EXPANSION_CAP, ZIP_EXPANSION_FACTOR, ExtractionLimits
from strata.errors import ValidationError
from tests.fixtures.documents import DOCX_TYPE, docx_bytes, pdf_bytes
from tests.support.settings import make_settings

MIB = 1024 * 1024


def test_utf16_big_endian_with_its_byte_order_mark_is_read() -> None:
    data = codecs.BOM_UTF16_BE + "café ünïcode".encode("utf-16-be")
    assert decode_text(data) == "café ünïcode"
    assert sniff(data, "text/plain").text == "café ünïcode"


def test_utf16_little_endian_with_its_byte_order_mark_is_read() -> None:
    data = codecs.BOM_UTF16_LE + "naïve".encode("utf-16-le")
    assert decode_text(data) == "naïve"


@pytest.mark.parametrize("data", [b"hello\x00world", b"\x00", b"text\n\x00\n"])
def test_utf8_text_with_nul_bytes_is_refused(data: bytes) -> None:
    # NUL is never text: a file holding one is binary data, whatever else decodes
    with pytest.raises(ValidationError, match="binary data"):
        sniff(data, "text/plain")


def test_a_utf8_byte_order_mark_is_dropped() -> None:
    assert decode_text(codecs.BOM_UTF8 + b"abc") == "abc"


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("Text/Markdown; Charset=UTF-8", "markdown"),
        ("TEXT/PLAIN", "txt"),
        ("  text/csv  ", "csv"),
        ("Application/JSON", "json"),
        ("text/x-markdown", "markdown"),
    ],
)
def test_the_declared_content_type_is_case_insensitive(content_type: str, expected: str) -> None:
    assert declared_format(content_type) == expected


def test_a_mixed_case_binary_type_still_meets_its_magic_bytes() -> None:
    assert sniff(pdf_bytes(["x"]), "Application/PDF").format == "pdf"
    assert sniff(docx_bytes(), DOCX_TYPE.upper()).format == "docx"


@pytest.mark.parametrize(
    "data", [b"The spec says files start with %PDF-1.7.", b" %PDF-1.7 indented", b"\n%PDF"]
)
def test_text_that_merely_contains_pdf_magic_is_text(data: bytes) -> None:
    sniffed = sniff(data, "text/plain")
    assert (sniffed.format, sniffed.text) == ("txt", data.decode())


def test_text_that_starts_with_pdf_magic_is_a_pdf_and_refused_as_text() -> None:
    with pytest.raises(ValidationError, match="but it is a PDF"):
        sniff(b"%PDF is how my notes start", "text/plain")


def _zip_of(entries: int, each_bytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n in range(entries):
            archive.writestr(f"part{n}.xml", b"\0" * each_bytes)
    return out.getvalue()


def _zip_declaring(entries: int, each_bytes: int) -> bytes:
    """A zip whose central directory declares ``each_bytes`` per entry (what a bomb declares;
    the check reads only the declarations, so nothing needs to inflate)."""
    data = bytearray(_zip_of(entries, 1))
    position = data.find(b"PK\x01\x02")
    while position != -1:
        data[position + 24 : position + 28] = each_bytes.to_bytes(4, "little")
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def test_a_zip_bomb_spread_over_many_entries_is_refused() -> None:
    # Given 40 entries of 1 MiB each: none alone is over a 32 MiB limit, all of them are
    data = _zip_declaring(40, MIB)
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()) == 40 * MIB
    with pytest.raises(ValidationError, match="zip bomb") as caught:
        check_zip_expansion(data, 32 * MIB)
    assert caught.value.details == {"uncompressedBytes": 40 * MIB, "maxUncompressedBytes": 32 * MIB}


def test_a_zip_exactly_at_the_limit_passes() -> None:
    check_zip_expansion(_zip_of(4, MIB), 4 * MIB)
    with pytest.raises(ValidationError):
        check_zip_expansion(_zip_of(4, MIB), 4 * MIB - 1)


def test_the_256_mib_cap_is_what_applies_at_the_default_upload_limit() -> None:
    # Given the default upload limit, whose twenty-fold expansion would exceed 256 MiB
    default = make_settings().max_upload_bytes
    assert default * ZIP_EXPANSION_FACTOR > 256 * MIB
    limits = ExtractionLimits.from_settings(make_settings())
    # Then the hard cap applies instead
    assert ZIP_EXPANSION_CAP == 256 * MIB
    assert limits.max_uncompressed_bytes == 256 * MIB
    # And below the cap, the multiple of the upload limit does
    small = ExtractionLimits.from_settings(make_settings(max_upload_bytes=MIB))
    assert small.max_uncompressed_bytes == ZIP_EXPANSION_FACTOR * MIB == 20 * MIB


def test_a_zip_bomb_just_over_the_cap_is_refused_at_the_cap() -> None:
    limits = ExtractionLimits.from_settings(make_settings())
    data = _zip_declaring(257, MIB)
    with pytest.raises(ValidationError, match="zip bomb"):
        check_zip_expansion(data, limits.max_uncompressed_bytes)
