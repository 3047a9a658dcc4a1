"""Parameters and responses shared by the routers, so every route documents them the same way."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.error_models import ErrorResponse
from strata.errors import ValidationError
from strata.ids import ID_PATTERN

Id = Annotated[str, Path(pattern=ID_PATTERN, max_length=128)]
FromDay = Annotated[
    date | None,
    Query(alias="from", description="first UTC day (YYYY-MM-DD); default: 29 days before `to`"),
]
ToDay = Annotated[
    date | None, Query(alias="to", description="last UTC day (YYYY-MM-DD); default: today")
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=32,
        description="the version you last read; the write fails with 409 if it has changed",
    ),
]

_DESCRIPTIONS = {
    400: "The request breaks a rule of the data",
    401: "No verified identity",
    403: "Not allowed for this caller, or the caller's account is deactivated",
    404: "No such item (or not the caller's)",
    409: "Stale version or duplicate",
    422: "The request does not match the schema",
    429: "Throttled; retry with backoff",
    503: "A dependency is unavailable; retry",
}


_SUCCESS_DESCRIPTIONS = {200: "OK", 201: "Created", 204: "Done; no content"}


def error_responses(*codes: int, success: int = HTTPStatus.OK) -> dict[int, Any]:
    """OpenAPI response entries: ``success`` and the error ``codes`` (401, 403, 422, 429 and 503
    are always possible: every route that documents its errors this way admits the caller first,
    and a deactivated caller is 403 on all of them).

    Powertools documents the return model only when a route gives no ``responses``; an entry
    without ``content`` gets it back, and a 204 states that it has no body.
    """
    entries: dict[int, Any] = {
        code: {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"model": ErrorResponse}},
        }
        for code in sorted({*codes, 401, 403, 422, 429, 503})
    }
    success_entry: dict[str, Any] = {"description": _SUCCESS_DESCRIPTIONS[success]}
    if success == HTTPStatus.NO_CONTENT:
        success_entry["content"] = {}
    return {int(success): success_entry, **entries}


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names (``3``, ``"3"`` or ``W/"3"``), or None."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    # str.isdigit admits digits int() refuses ("\u00b9") or reads as another script's ("\u0663").
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValidationError(
            "If-Match must be the version number you last read",
            details={"fields": [{"field": "If-Match", "message": "a positive integer"}]},
        )
    return int(text)


def no_content() -> Response[None]:
    return Response(status_code=HTTPStatus.NO_CONTENT, body=None)
