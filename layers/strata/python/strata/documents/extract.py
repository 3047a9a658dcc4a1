"""Text out of an upload: sniff the real format, then run that format's extractor.

Every problem with the file itself (empty, damaged, encrypted, too big, not what it claims to be,
no text at all) is a :class:`~strata.errors.ValidationError` whose message a person can act on.
"""

from __future__ import annotations

from dataclasses import replace

from strata.documents.extract_markup import extract_html, extract_markdown
from strata.documents.extract_plain import extract_csv, extract_json, extract_txt
from strata.documents.ocr import OCR_OFF_MESSAGE, ObjectLocation, OcrEngine, ocr_text
from strata.documents.sniff import IMAGE_FORMATS, sniff
from strata.documents.text import ExtractedText, ExtractionLimits
from strata.errors import ValidationError


def extract(
    data: bytes,
    content_type: str,
    limits: ExtractionLimits,
    ocr: OcrEngine | None = None,
    location: ObjectLocation | None = None,
) -> ExtractedText:
    """The text of ``data``, uploaded as ``content_type``, with its blocks, pages and sections.

    Images, and PDFs without a text layer, are read by ``ocr`` (refused when it is None).
    """
    sniffed = sniff(data, content_type)
    if sniffed.format in IMAGE_FORMATS:
        if ocr is None:
            raise ValidationError(OCR_OFF_MESSAGE)
        extracted = ocr_text(
            ocr.read(data, sniffed.format, location, limits.max_pages), limits, sniffed.format
        )
    elif sniffed.format == "pdf":
        # pypdfium2 and python-docx load only for the files that need them.
        from strata.documents.extract_pdf import extract_pdf  # noqa: PLC0415

        extracted = extract_pdf(data, limits)
    elif sniffed.format == "docx":
        from strata.documents.extract_docx import extract_docx  # noqa: PLC0415

        extracted = extract_docx(data, limits)
    elif sniffed.format == "pptx":
        from strata.documents.extract_office import extract_pptx  # noqa: PLC0415

        extracted = extract_pptx(data, limits)
    elif sniffed.format == "xlsx":
        from strata.documents.extract_office import extract_xlsx  # noqa: PLC0415

        extracted = extract_xlsx(data, limits)
    else:
        extracted = _extract_text(sniffed.format, sniffed.text or "", limits)
    if not extracted.text.strip() and sniffed.format == "pdf" and ocr is not None:
        # A scan: every page an image. OCR keeps the page count and the document's title.
        scanned = ocr_text(ocr.read(data, "pdf", location, limits.max_pages), limits, "pdf")
        extracted = replace(scanned, title=extracted.title)
    if not extracted.text.strip():
        if ocr is None and sniffed.format == "pdf":
            raise ValidationError(OCR_OFF_MESSAGE)
        raise ValidationError(
            "No text could be found in the file (OCR found none either)."
            if sniffed.format in IMAGE_FORMATS or sniffed.format == "pdf"
            else "No text could be found in the file."
        )
    return extracted


def _extract_text(fmt: str, text: str, limits: ExtractionLimits) -> ExtractedText:
    if len(text) > limits.max_chars * 2:
        # Markup can be at most about half text; refuse before parsing megabytes of it.
        raise ValidationError(
            f"The document holds more than {limits.max_chars:,} characters of text, "
            "the most Strata indexes for one file. Split it into smaller files.",
            details={"maxCharacters": limits.max_chars},
        )
    if fmt == "html":
        return extract_html(text, limits)
    if fmt == "markdown":
        return extract_markdown(text, limits)
    if fmt == "csv":
        return extract_csv(text, limits)
    if fmt == "json":
        return extract_json(text, limits)
    return extract_txt(text, limits)
