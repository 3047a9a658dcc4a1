"""HTML (main content found by readability-lxml, then the stdlib parser: scripts and styles
skipped, headings kept) and Markdown (ATX headings, fenced code kept whole).

Navigation, headers, footers and sidebars repeat on every page of a site and crowd a page's own
words out of search: readability-lxml (Mozilla Readability's algorithm) keeps the main content.
When it finds next to nothing (a page that is all table, a short page) the whole page is read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder

_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    {
        "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "section", "article", "aside", "main",
        "header", "footer", "nav", "blockquote", "pre", "table", "tr", "figure", "figcaption",
        "form", "fieldset", "address", "details", "summary", "hr", "br", "body", "html",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr"})

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class _HtmlText(HTMLParser):
    def __init__(self, builder: TextBuilder) -> None:
        super().__init__(convert_charrefs=True)
        self._builder = builder
        self._buffer: list[str] = []
        self._skip_depth = 0
        self._heading_level = 0
        self._in_row = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            if tag not in _VOID:
                self._skip_depth += 1
            return
        if tag in _HEADINGS:
            self._flush()
            self._heading_level = _HEADINGS[tag]
        elif tag in _CELLS and self._buffer and self._in_row:
            self._buffer.append(" | ")
        elif tag in _BLOCKS:
            self._in_row = tag == "tr"
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _HEADINGS:
            self._builder.add_heading("".join(self._buffer), self._heading_level)
            self._buffer.clear()
            self._heading_level = 0
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_depth == 0:
            self._buffer.append(data)

    def _flush(self) -> None:
        if self._heading_level:
            return
        text = " ".join("".join(self._buffer).split())
        self._buffer.clear()
        if text:
            self._builder.add(text)

    def close(self) -> None:
        super().close()
        self._heading_level = 0
        self._flush()


MIN_MAIN_CHARACTERS = 200
MIN_MAIN_SHARE = 0.2


def extract_html(text: str, limits: ExtractionLimits) -> ExtractedText:
    whole = _parse_html(text, limits)
    main = main_content(text)
    if main is None:
        return whole
    extracted = _parse_html(main, limits)
    kept = len(extracted.text)
    if kept >= MIN_MAIN_CHARACTERS or kept >= MIN_MAIN_SHARE * len(whole.text):
        return extracted
    return whole


def main_content(html: str) -> str | None:
    """The page's main content as HTML (readability-lxml), or None when it cannot tell."""
    # lxml-based; loaded for HTML only.
    from lxml.html import tostring  # noqa: PLC0415
    from readability import Document  # noqa: PLC0415

    class MainContent(Document):  # type: ignore[misc]
        """Readability's choice of the main content, without its final clean-up, which also
        drops short data tables and lists (a table of names and years is content)."""

        def sanitize(self, node: Any, candidates: Any, keep_all_images: bool = False) -> str:
            return str(tostring(node, encoding="unicode"))

    try:
        summary = str(MainContent(html).summary(html_partial=True))
    except Exception:  # readability gives up on odd markup; the whole page is read then
        return None
    return summary or None


def _parse_html(text: str, limits: ExtractionLimits) -> ExtractedText:
    builder = TextBuilder(limits)
    parser = _HtmlText(builder)
    parser.feed(text)
    parser.close()
    return builder.build("html")


def extract_markdown(text: str, limits: ExtractionLimits) -> ExtractedText:
    builder = TextBuilder(limits)
    paragraph: list[str] = []
    fence: str | None = None
    code: list[str] = []

    def flush() -> None:
        if paragraph:
            builder.add("\n".join(paragraph))
            paragraph.clear()

    for line in text.splitlines():
        fence_match = _FENCE.match(line)
        if fence is not None:
            code.append(line)
            if fence_match and fence_match.group(1)[0] == fence[0]:
                builder.add("\n".join(code), "code")
                code.clear()
                fence = None
            continue
        if fence_match:
            flush()
            fence = fence_match.group(1)
            code.append(line)
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            flush()
            builder.add_heading(heading.group(2), len(heading.group(1)))
        elif line.strip():
            paragraph.append(line)
        else:
            flush()
    flush()
    if code:
        builder.add("\n".join(code), "code")
    return builder.build("markdown")
