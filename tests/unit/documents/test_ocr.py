"""Issue 13, point 6: scans and images are read by OCR (Tesseract here, for real; Textract's
requests checked with botocore's Stubber), with pages and confidences kept; off means refused."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.stub import Stubber
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from strata.documents.extract import extract
from strata.documents.ocr import ObjectLocation, TesseractOcr
from strata.documents.text import ExtractionLimits
from strata.documents.textract import TextractOcr
from strata.errors import ValidationError

LIMITS = ExtractionLimits(max_pages=10, max_chars=100_000, max_uncompressed_bytes=1_000_000)


def scan(*lines: str, fmt: str = "PNG") -> bytes:
    """A white page with black type, as a scanner would give it."""
    image = Image.new("L", (1400, 120 + 100 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for number, line in enumerate(lines):
        draw.text((40, 60 + 100 * number), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_tesseract_reads_a_png_scan_with_its_confidence() -> None:
    # Given a scanned note as a PNG
    data = scan("The freezer alarm code is QT-8812.", "Call the night porter first.")
    # When it is extracted with Tesseract
    extracted = extract(data, "image/png", LIMITS, TesseractOcr())
    # Then its words are text on page 1, and the page's confidence is kept
    assert "freezer alarm code is QT-8812" in extracted.text
    assert "night porter" in extracted.text
    assert extracted.format == "png"
    assert extracted.page_count == 1
    ((page, confidence),) = extracted.ocr_pages
    assert page == 1
    assert confidence is not None
    assert confidence > 60


def test_a_scanned_pdf_without_a_text_layer_is_read_page_by_page() -> None:
    # Given a two-page PDF whose pages are images only
    pdf = FPDF(format="A5")
    for words in ("Heron valve code KX-4471.", "Otter relay code MV-1187."):
        pdf.add_page()
        pdf.image(io.BytesIO(scan(words)), x=5, y=10, w=138)
    data = bytes(pdf.output())
    # When it is extracted with Tesseract
    extracted = extract(data, "application/pdf", LIMITS, TesseractOcr())
    # Then each page's words are on that page
    first, second = extracted.pages
    assert "KX-4471" in extracted.text[first.start : first.end]
    assert "MV-1187" in extracted.text[second.start : second.end]
    assert [page for page, _ in extracted.ocr_pages] == [1, 2]


@pytest.mark.parametrize("ocr", [None, TesseractOcr(program="no-such-tesseract")])
def test_without_ocr_a_scan_is_refused_with_a_clear_reason(ocr: TesseractOcr | None) -> None:
    with pytest.raises(ValidationError, match="need OCR, which is not available here"):
        extract(scan("Hello"), "image/png", LIMITS, ocr)


def _textract() -> tuple[object, Stubber]:
    client = boto3.client(
        "textract",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, Stubber(client)


def _line(text: str, page: int, confidence: float) -> dict[str, object]:
    return {"BlockType": "LINE", "Text": text, "Page": page, "Confidence": confidence}


def test_textract_reads_an_image_synchronously() -> None:
    client, stubber = _textract()
    data = scan("Hello")
    stubber.add_response(
        "detect_document_text",
        {"Blocks": [{"BlockType": "PAGE"}, _line("Freezer code QT-8812", 1, 99.1)]},
        {"Document": {"Bytes": data}},
    )
    with stubber:
        extracted = extract(data, "image/png", LIMITS, TextractOcr(client))
    stubber.assert_no_pending_responses()
    assert extracted.text == "Freezer code QT-8812"
    assert extracted.ocr_pages == ((1, 99.1),)


def test_textract_reads_a_scanned_pdf_asynchronously_from_s3_with_every_result_page() -> None:
    # Given a PDF without a text layer, stored as a versioned S3 object
    client, stubber = _textract()
    location = ObjectLocation("docs-bucket", "documents/u/d/original", "v1")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_page()
    data = bytes(pdf.output())
    s3_object = {"Bucket": "docs-bucket", "Name": "documents/u/d/original", "Version": "v1"}
    stubber.add_response(
        "start_document_text_detection",
        {"JobId": "job-1"},
        {"DocumentLocation": {"S3Object": s3_object}},
    )
    stubber.add_response(
        "get_document_text_detection", {"JobStatus": "IN_PROGRESS"}, {"JobId": "job-1"}
    )
    stubber.add_response(
        "get_document_text_detection",
        {"JobStatus": "SUCCEEDED", "NextToken": "t2", "Blocks": [_line("Page one", 1, 98.0)]},
        {"JobId": "job-1"},
    )
    stubber.add_response(
        "get_document_text_detection",
        {"JobStatus": "SUCCEEDED", "Blocks": [_line("Page two", 2, 90.0), _line("end", 2, 80)]},
        {"JobId": "job-1", "NextToken": "t2"},
    )
    waits: list[float] = []
    # When it is extracted with Textract
    with stubber:
        extracted = extract(
            data, "application/pdf", LIMITS, TextractOcr(client, sleep=waits.append), location
        )
    # Then the job was polled until done, every result page read, pages and confidences kept
    stubber.assert_no_pending_responses()
    assert waits == [2.0]
    assert extracted.text == "Page one\n\nPage two\nend"
    assert extracted.ocr_pages == ((1, 98.0), (2, 85.0))
    assert extracted.page_count == 2


def test_textract_refusing_the_document_is_a_file_problem() -> None:
    client, stubber = _textract()
    stubber.add_client_error("detect_document_text", "UnsupportedDocumentException")
    with stubber, pytest.raises(ValidationError, match="could not be read by OCR"):
        extract(scan("x"), "image/png", LIMITS, TextractOcr(client))
