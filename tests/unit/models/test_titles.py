"""Titles and names a client sends are plain text on one line: markup and control characters
are refused, stored items still load; a new upload's file name is one name, not a path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from strata.models import (
    NO_MARKUP_PATTERN,
    ApplicationCreate,
    ChatSession,
    ChatSessionCreate,
    ChatSessionUpdate,
    DocumentCreate,
    DocumentUpdate,
    GroupCreate,
    GroupUpdate,
    NotificationCreate,
)

MARKUP = ["<script>alert(1)</script>", "a <b>bold</b> plan", "</p>", "<!-- x -->", "<?php", "<<img"]
CONTROL = ["a\x00b", "two\nlines", "tab\there", "bell\x07", "del\x7f"]
PLAIN = ["a < b", "1<2 and 3>2", "x <", "<<", "< script", "<3 tea", "Q&A > notes"]

INPUTS: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (ChatSessionCreate, {}, "title"),
    (ChatSessionUpdate, {}, "title"),
    (DocumentCreate, {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 1}, "title"),
    (DocumentUpdate, {}, "title"),
    (GroupCreate, {}, "name"),
    (GroupUpdate, {}, "name"),
    (NotificationCreate, {"message": "m"}, "title"),
    (
        ApplicationCreate,
        {"type": "INBUILT", "config": {"type": "INBUILT", "feature": "clock"}},
        "name",
    ),
]


@pytest.mark.parametrize(("model", "base", "field"), INPUTS)
def test_titles_refuse_markup_and_keep_plain_text(
    model: type[BaseModel], base: dict[str, Any], field: str
) -> None:
    for text in MARKUP:
        # When a client sends a title that opens an HTML tag
        with pytest.raises(PydanticValidationError, match="HTML tags are not accepted"):
            model.model_validate({**base, field: text})
    for text in CONTROL:
        # Or one with control characters
        with pytest.raises(PydanticValidationError, match="control characters"):
            model.model_validate({**base, field: text})
    for text in PLAIN:
        # Then plain text with "<" that opens no tag is kept as sent
        assert getattr(model.model_validate({**base, field: text}), field) == text


def test_the_documented_pattern_agrees_with_the_check() -> None:
    # Given the pattern the OpenAPI document carries for titles
    pattern = re.compile(NO_MARKUP_PATTERN)
    schema = ChatSessionCreate.model_json_schema()["properties"]["title"]
    assert schema["pattern"] == NO_MARKUP_PATTERN
    # Then it accepts exactly what the validator accepts
    assert [bool(pattern.fullmatch(t)) for t in MARKUP + CONTROL] == [False] * len(MARKUP + CONTROL)
    assert [bool(pattern.fullmatch(t)) for t in PLAIN] == [True] * len(PLAIN)


def test_a_stored_title_with_markup_still_loads() -> None:
    # Given a session stored before titles refused markup
    item = {
        "sessionId": "s1",
        "userId": "u1",
        "title": "<b>old</b>",
        "createdAt": "2026-01-01T00:00:00.000000Z",
        "updatedAt": "2026-01-01T00:00:00.000000Z",
    }
    # Then it is read as it was written
    assert ChatSession.model_validate(item).title == "<b>old</b>"


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("report.pdf", True),
        (".env", True),
        ("%2e%2e%2fx.txt", True),  # literal characters, never decoded
        ("..", False),
        (".", False),
        ("../../etc/passwd.txt", False),
        ("..\\..\\boot.ini", False),
        ("a\x00.txt", False),
        ("two\nlines.txt", False),
    ],
)
def test_an_uploads_file_name_is_one_name_not_a_path(name: str, accepted: bool) -> None:
    body = {"fileName": name, "fileType": "text/plain", "fileSize": 1}
    if accepted:
        assert DocumentCreate.model_validate(body).file_name == name
    else:
        with pytest.raises(PydanticValidationError):
            DocumentCreate.model_validate(body)
