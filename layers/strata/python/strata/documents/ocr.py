"""Text out of scans: PNG, JPEG and TIFF uploads, and PDFs without a text layer.

Two engines implement :class:`OcrEngine`: Amazon Textract in AWS (:mod:`strata.documents.textract`)
and Tesseract on a laptop or CI machine (:class:`TesseractOcr`, the ``tesseract`` program run as
a subprocess). ``STRATA_OCR`` picks one per environment (``textract``, ``tesseract`` or ``off``);
with ``off``, or without a ``tesseract`` program, a scan is refused with a clear reason, as
before OCR existed.

Every engine returns pages of lines with their confidence (0-100); the pages become the
document's pages and the mean confidence of each is kept in the document's metadata.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from strata.documents.formats import DocumentFormat
from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from strata.errors import ValidationError

OCR_OFF_MESSAGE = (
    "No text could be found in the file. Scanned PDFs and images need OCR, which is not "
    "available here; upload a file with selectable text."
)
TESSERACT_TIMEOUT_SECONDS = 120
RENDER_SCALE = 300 / 72  # PDF pages are rendered at 300 dpi for Tesseract


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float  # 0-100


@dataclass(frozen=True)
class OcrPage:
    number: int  # 1-based
    lines: tuple[OcrLine, ...]

    @property
    def confidence(self) -> float | None:
        if not self.lines:
            return None
        return round(sum(line.confidence for line in self.lines) / len(self.lines), 2)


@dataclass(frozen=True)
class ObjectLocation:
    """Where the original is in S3 (Textract reads multi-page PDFs from there)."""

    bucket: str
    key: str
    version_id: str | None = None


class OcrEngine(Protocol):
    name: str

    def read(
        self, data: bytes, fmt: DocumentFormat, location: ObjectLocation | None, max_pages: int
    ) -> list[OcrPage]: ...


def ocr_text(
    pages: Sequence[OcrPage], limits: ExtractionLimits, fmt: DocumentFormat
) -> ExtractedText:
    """The pages as extracted text: one paragraph per run of lines, one page span per page."""
    builder = TextBuilder(limits)
    for page in pages:
        first_block = builder.block_count
        builder.add("\n".join(line.text for line in page.lines), page=page.number)
        builder.end_page(page.number, first_block)
    extracted = builder.build(fmt)
    return ExtractedText(
        format=extracted.format,
        text=extracted.text,
        blocks=extracted.blocks,
        pages=extracted.pages,
        title=None,
        ocr_pages=tuple((page.number, page.confidence) for page in pages),
    )


class TesseractOcr:
    """Tesseract 4/5 through its command line: ``tesseract - - tsv`` per image or page."""

    name = "tesseract"

    def __init__(self, program: str = "tesseract", languages: str = "eng") -> None:
        self._program = program
        self._languages = languages

    def available(self) -> bool:
        return shutil.which(self._program) is not None

    def read(
        self, data: bytes, fmt: DocumentFormat, location: ObjectLocation | None, max_pages: int
    ) -> list[OcrPage]:
        if not self.available():
            raise ValidationError(OCR_OFF_MESSAGE)
        if fmt == "pdf":
            images = _pdf_page_images(data, max_pages)
        elif fmt == "tiff":
            images = _tiff_frames(data, max_pages)
        else:
            images = [data]
        return [OcrPage(number, self._lines(image)) for number, image in enumerate(images, 1)]

    def _lines(self, image: bytes) -> tuple[OcrLine, ...]:
        try:
            completed = subprocess.run(  # noqa: S603 (a fixed program, arguments as a list)
                [self._program, "-", "-", "-l", self._languages, "tsv"],
                input=image,
                capture_output=True,
                timeout=TESSERACT_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ValidationError(
                "The image took too long to read; upload a smaller or clearer scan."
            ) from None
        if completed.returncode != 0:
            raise ValidationError("The image is damaged and cannot be read.")
        return _tsv_lines(completed.stdout.decode("utf-8", "replace"))


def _tsv_lines(tsv: str) -> tuple[OcrLine, ...]:
    """Words of Tesseract's TSV grouped into lines, each with its words' mean confidence."""
    lines: dict[tuple[str, str, str, str], list[tuple[str, float]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append((text, max(0.0, float(row.get("conf") or 0))))
    return tuple(
        OcrLine(" ".join(word for word, _ in words), sum(c for _, c in words) / len(words))
        for words in lines.values()
    )


def _pdf_page_images(data: bytes, max_pages: int) -> list[bytes]:
    import pypdfium2 as pdfium  # noqa: PLC0415

    document = pdfium.PdfDocument(data)
    try:
        images = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                image = page.render(scale=RENDER_SCALE, grayscale=True).to_pil()
                out = io.BytesIO()
                image.save(out, format="PNG")
                images.append(out.getvalue())
            finally:
                page.close()
        return images
    finally:
        document.close()


def _tiff_frames(data: bytes, max_pages: int) -> list[bytes]:
    from PIL import Image, ImageSequence  # noqa: PLC0415

    frames: list[bytes] = []
    try:
        with Image.open(io.BytesIO(data)) as image:
            for frame in ImageSequence.Iterator(image):
                if len(frames) == max_pages:
                    break
                out = io.BytesIO()
                frame.save(out, format="PNG")
                frames.append(out.getvalue())
    except OSError:
        raise ValidationError("The TIFF image is damaged and cannot be read.") from None
    return frames


def build_ocr(mode: str) -> OcrEngine | None:
    """The local engine ``STRATA_OCR`` names: Tesseract, or None when OCR is off (Textract
    needs a client: :func:`strata.documents.factory.textract_ocr` builds it)."""
    return TesseractOcr() if mode == "tesseract" else None
