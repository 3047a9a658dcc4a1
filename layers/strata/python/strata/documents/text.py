"""The extracted text of a document: one string plus the blocks (headings, paragraphs, tables,
pages) it is made of, each with its character offsets, page and section.

Every extractor builds its result with :class:`TextBuilder`, so offsets, the character bound and
the section path are handled once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from strata.config import Settings
from strata.documents.formats import DocumentFormat
from strata.errors import ValidationError

BlockKind = Literal["heading", "paragraph", "table", "code"]

BLOCK_SEPARATOR = "\n\n"
SECTION_SEPARATOR = " > "
# Control characters other than tab and newline carry no text (PDFs emit some).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LINE_ENDINGS = re.compile(r"\r\n?")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
# Single spaces are left alone: replacing each with itself would cost a copy per space.
_SPACE_RUNS = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
# Uncompressed bytes a DOCX may expand to, as a multiple of the upload limit, and a hard cap.
ZIP_EXPANSION_FACTOR = 20
ZIP_EXPANSION_CAP = 256 * 1024 * 1024
# Elements an office file may hold (each costs parsing and memory however little text it has).
MAX_DOCX_PARAGRAPHS = 500_000
MAX_SHEET_CELLS = 2_000_000


@dataclass(frozen=True)
class ExtractionLimits:
    max_pages: int
    max_chars: int
    max_uncompressed_bytes: int
    max_paragraphs: int = MAX_DOCX_PARAGRAPHS
    max_cells: int = MAX_SHEET_CELLS

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        return cls(
            max_pages=settings.max_pages,
            max_chars=settings.max_extracted_chars,
            max_uncompressed_bytes=min(
                settings.max_upload_bytes * ZIP_EXPANSION_FACTOR, ZIP_EXPANSION_CAP
            ),
        )


@dataclass(frozen=True)
class Block:
    """A run of ``text[start:end]`` that belongs together."""

    kind: BlockKind
    start: int
    end: int
    page: int | None = None
    section: str | None = None  # heading path, e.g. "Guide > Install"
    level: int = 0  # heading level (1 = top) for headings


@dataclass(frozen=True)
class PageSpan:
    number: int  # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class ExtractedText:
    format: DocumentFormat
    text: str
    blocks: tuple[Block, ...]
    pages: tuple[PageSpan, ...] = ()
    title: str | None = None
    # Read by OCR: (page, mean confidence 0-100) of every page.
    ocr_pages: tuple[tuple[int, float | None], ...] = ()

    @property
    def page_count(self) -> int:
        """Pages for paged formats; every other document counts as one page."""
        return len(self.pages) if self.pages else 1


def clean(text: str) -> str:
    """Normalize line endings, drop control characters, collapse space and blank-line runs."""
    if "\r" in text:
        text = _LINE_ENDINGS.sub("\n", text)
    text = _CONTROL.sub("", text)
    if "  " in text or "\t" in text or "\u00a0" in text:  # substring scans beat the regex
        text = _SPACE_RUNS.sub(" ", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


class TextBuilder:
    """Appends blocks separated by a blank line and remembers where each one lies."""

    def __init__(self, limits: ExtractionLimits) -> None:
        self._limits = limits
        self._parts: list[str] = []
        self._length = 0
        self._blocks: list[Block] = []
        self._pages: list[PageSpan] = []
        self._headings: list[tuple[int, str]] = []
        self.title: str | None = None

    @property
    def length(self) -> int:
        return self._length

    def section(self) -> str | None:
        if not self._headings:
            return None
        return SECTION_SEPARATOR.join(text for _, text in self._headings)

    def add(self, text: str, kind: BlockKind = "paragraph", *, page: int | None = None) -> None:
        if kind == "code":
            text = _CONTROL.sub("", _LINE_ENDINGS.sub("\n", text)).strip("\n")
        else:
            text = clean(text)
        if not text:
            return
        if self._parts:
            self._append(BLOCK_SEPARATOR)
        start = self._length
        self._append(text)
        self._blocks.append(Block(kind, start, self._length, page, self.section()))

    def enter_section(self, title: str, level: int) -> str | None:
        """Make ``title`` the current heading at ``level`` without adding text (PDF outlines)."""
        heading = " ".join(clean(title).split())
        if not heading:
            return None
        level = max(1, level)
        while self._headings and self._headings[-1][0] >= level:
            self._headings.pop()
        self._headings.append((level, heading))
        if self.title is None:
            self.title = heading
        return heading

    def enter_part(self, name: str) -> None:
        """Start a part of the document outside its heading tree (headers and footers, comments,
        speaker notes): ``name`` becomes the whole section path, and never the title."""
        heading = " ".join(clean(name).split())
        self._headings = [(1, heading)] if heading else []

    def add_heading(self, text: str, level: int, *, page: int | None = None) -> None:
        heading = self.enter_section(text, level)
        if heading is None:
            return
        if self._parts:
            self._append(BLOCK_SEPARATOR)
        start = self._length
        self._append(heading)
        self._blocks.append(
            Block("heading", start, self._length, page, self.section(), max(1, level))
        )

    def end_page(self, number: int, first_block: int) -> None:
        """Close page ``number`` whose blocks start at ``self._blocks[first_block]``."""
        blocks = self._blocks[first_block:]
        if blocks:
            self._pages.append(PageSpan(number, blocks[0].start, blocks[-1].end))
        else:
            self._pages.append(PageSpan(number, self._length, self._length))

    @property
    def block_count(self) -> int:
        return len(self._blocks)

    def _append(self, part: str) -> None:
        self._length += len(part)
        if self._length > self._limits.max_chars:
            raise ValidationError(
                f"The document holds more than {self._limits.max_chars:,} characters of text, "
                "the most Strata indexes for one file. Split it into smaller files.",
                details={"maxCharacters": self._limits.max_chars},
            )
        self._parts.append(part)

    def build(self, fmt: DocumentFormat) -> ExtractedText:
        return ExtractedText(
            format=fmt,
            text="".join(self._parts),
            blocks=tuple(self._blocks),
            pages=tuple(self._pages),
            title=self.title,
        )
