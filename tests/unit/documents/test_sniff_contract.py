"""Sniffing's contract: what each refusal says (the document's error text, shown to its owner),
every signature it recognises, and where text stops and binary data begins."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from strata.documents.sniff import _looks_binary, declared_format, decode_text, sniff
from strata.errors import ValidationError
from tests.fixtures.documents import DOCX_TYPE, docx_bytes, pdf_bytes, plain_zip_bytes

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = (
    "The file is binary data, not text, and not a format Strata reads "
    "(PDF, Word, PowerPoint, Excel, an image or text)."
)


def _refusal(data: bytes, content_type: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        sniff(data, content_type)
    return caught.value


def _office_zip(part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return out.getvalue()


# Declared types ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content_type", "media_type", "shown"),
    [
        ("image/gif", "image/gif", "image/gif"),
        ("Image/GIF; name=a.gif", "image/gif", "image/gif"),
        ("", "", "unknown"),
        (" ; charset=utf-8", "", "unknown"),
    ],
)
def test_an_unreadable_declared_type_is_named_in_the_refusal(
    content_type: str, media_type: str, shown: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        declared_format(content_type)
    assert caught.value.message == f"Files of type {shown} cannot be indexed."
    assert caught.value.details == {"contentType": media_type}


def test_parameters_after_the_media_type_are_ignored() -> None:
    assert declared_format("text/plain; charset=utf-8; format=flowed") == "txt"
    assert declared_format("application/json;charset=utf-8") == "json"


# Signatures --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "image/png", "png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 16, "image/jpeg", "jpeg"),
        (b"II*\x00" + b"\0" * 16, "image/tiff", "tiff"),
        (b"MM\x00*" + b"\0" * 16, "image/tiff", "tiff"),
        (_office_zip("ppt/presentation.xml"), PPTX_TYPE, "pptx"),
        (_office_zip("xl/workbook.xml"), XLSX_TYPE, "xlsx"),
        (_office_zip("word/document.xml"), DOCX_TYPE, "docx"),
    ],
)
def test_every_binary_format_is_recognised_by_its_signature(
    data: bytes, content_type: str, expected: str
) -> None:
    sniffed = sniff(data, content_type)
    # Binary formats carry no decoded text: their extractors read the bytes
    assert (sniffed.format, sniffed.text) == (expected, None)


def test_an_image_declared_as_another_image_is_refused_naming_both() -> None:
    refusal = _refusal(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "image/jpeg")
    assert refusal.message == (
        "The file was uploaded as a JPEG image but it is a PNG image. "
        "Upload it with the right type."
    )
    assert refusal.details == {"declared": "jpeg", "actual": "png"}


def test_a_spreadsheet_declared_as_a_presentation_is_refused() -> None:
    refusal = _refusal(_office_zip("xl/workbook.xml"), PPTX_TYPE)
    assert refusal.message == (
        "The file was uploaded as a PowerPoint (.pptx) presentation but it is an Excel (.xlsx) "
        "workbook. Upload it with the right type."
    )
    assert refusal.details == {"declared": "pptx", "actual": "xlsx"}


def test_text_declared_as_a_binary_format_is_refused_naming_the_declared_one() -> None:
    refusal = _refusal(b"just some text", "image/png")
    assert refusal.message == "The file was uploaded as a PNG image but its content is not one."
    assert refusal.details == {"declared": "png"}


def test_containers_that_are_not_documents_are_refused_with_what_to_do() -> None:
    assert _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, DOCX_TYPE).message == (
        "The file is a password-protected Office file or a legacy .doc file; "
        "save it as an unprotected .docx or as PDF and upload it again."
    )
    assert _refusal(b"PK\x03\x04 truncated", DOCX_TYPE).message == (
        "The file is a damaged zip archive."
    )
    assert _refusal(plain_zip_bytes(), DOCX_TYPE).message == (
        "The file is a zip archive, not a Word, PowerPoint or Excel document."
    )


def test_an_empty_file_is_refused_as_empty() -> None:
    assert _refusal(b" \r\n\t", "text/plain").message == "The file is empty."


def test_a_pdf_is_a_pdf_whatever_follows_its_magic() -> None:
    assert sniff(pdf_bytes(["x"]), "application/pdf") == sniff(b"%PDF-1.4\n", "application/pdf")
    assert sniff(docx_bytes(), DOCX_TYPE).text is None


# Encodings ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_every_byte_order_mark_decodes_its_text_without_the_mark(bom: bytes, codec: str) -> None:
    text = "Zo\u00eb\u2019s na\u00efve caf\u00e9: 5 \u20ac"
    assert decode_text(bom + text.encode(codec)) == text


def test_a_byte_order_mark_whose_text_does_not_decode_is_not_read_as_a_shorter_mark() -> None:
    # Given a UTF-32 mark (which begins with the UTF-16 one) followed by a code unit beyond
    # Unicode: not UTF-32, and not to be read as UTF-16 either
    data = codecs.BOM_UTF32_LE + (0x110000).to_bytes(4, "little")
    with pytest.raises(ValidationError) as caught:
        decode_text(data)
    assert caught.value.message == BINARY


@pytest.mark.parametrize(
    "text",
    [
        "Crème brûlée à la française, 5 € — très “bon”.",
        "The na\u00efve caf\u00e9\u2019s cr\u00e8me br\u00fbl\u00e9e costs "
        "\u20ac5 \u2013 \u201cquite\u201d good.",
    ],
)
def test_windows_1252_is_preferred_when_its_neighbours_fit_as_well(text: str) -> None:
    # Given Windows-1252 text that Windows-1250 would also decode, as e -> c with caron
    data = text.encode("cp1252")
    assert data.decode("cp1250") != text
    # Then it reads as Windows-1252, the more common of the two
    assert decode_text(data) == text


def test_binary_data_is_refused_with_the_formats_strata_reads() -> None:
    with pytest.raises(ValidationError) as caught:
        decode_text(bytes(range(256)) * 8)
    assert caught.value.message == BINARY


# Where text ends ---------------------------------------------------------------------------------
def test_spaces_tabs_and_line_breaks_are_text() -> None:
    assert not _looks_binary("a b\tc\nd\re\ff " * 1000)


def test_one_control_character_in_a_hundred_is_still_text() -> None:
    # Given exactly 1% control characters (a stray escape in a terminal log)
    assert not _looks_binary("\x1b" + "a" * 99)
    # Then one more makes it data
    assert _looks_binary("\x1b\x1b" + "a" * 98)


def test_a_single_nul_is_binary_however_long_the_text() -> None:
    assert _looks_binary("hello\x00" + "a" * 10_000)


def test_only_the_first_64_kib_are_judged() -> None:
    # Given text whose first 65,536 characters hold exactly 1% control characters
    head = ("\x1b" + "a" * 99) * 655 + "a" * 36
    assert len(head) == 65_536
    # Then what follows is not looked at: more controls, even a NUL
    assert not _looks_binary(head + "\x1b" * 1000)
    assert not _looks_binary(head + "\x00")
