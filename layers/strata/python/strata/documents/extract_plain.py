"""Plain text (paragraphs), CSV (one block per row) and JSON (validated, then pretty-printed)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from strata.errors import ValidationError

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def extract_txt(text: str, limits: ExtractionLimits) -> ExtractedText:
    builder = TextBuilder(limits)
    for paragraph in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        builder.add(paragraph)
    return builder.build("txt")


def extract_csv(text: str, limits: ExtractionLimits) -> ExtractedText:
    """The first row is taken as the header: it becomes the section of every chunk of rows, so
    a chunk from the middle of the file still says what its columns are."""
    builder = TextBuilder(limits)
    header_seen = False
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            cells = [" ".join(cell.split()) for cell in row]
            if not any(cells):
                continue
            if header_seen:
                builder.add(", ".join(cells), "table")
            else:
                builder.add_heading(", ".join(cells), 1)
                header_seen = True
    except csv.Error as exc:
        raise ValidationError(f"The CSV file is malformed: {exc}.") from None
    # A header row is not a title.
    return replace(builder.build("csv"), title=None)


def extract_json(text: str, limits: ExtractionLimits) -> ExtractedText:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"The JSON file is malformed (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:
        raise ValidationError(
            "The JSON file is nested too deeply to be read; flatten it and upload it again."
        ) from None
    builder = TextBuilder(limits)
    # One block per top-level item or key, written compactly with a space after "," and ":":
    # never more than about twice the file's size (an indented dump grows with nesting depth, so
    # a file accepted at creation could fail for size here).
    if isinstance(value, list):
        for item in value:
            builder.add(_compact(item), "code")
    elif isinstance(value, dict):
        for key, item in value.items():
            builder.add(f"{_compact(key)}: {_compact(item)}", "code")
    else:
        builder.add(_compact(value), "code")
    return builder.build("json")


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
