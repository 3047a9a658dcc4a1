"""The body of every error response, as a model: it documents the errors in the OpenAPI document
(:func:`lambdas.api.params.error_responses`); the responses themselves are built as plain dicts
(:func:`lambdas.api.errors.error_response`), so a request never needs these classes.

No ``from __future__ import annotations``: pydantic evaluates a model's annotations when the class
is created (tests/unit/models/test_annotations_evaluated.py).
"""

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    type: str
    message: str
    details: dict[str, Any]


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody
