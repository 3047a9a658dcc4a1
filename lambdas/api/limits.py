"""The largest request body the API accepts, enforced before any route runs.

409,600 bytes is DynamoDB's item limit: no route can store a body larger than one item, so
nothing legitimate is refused (a 20,000-character message or memory is at most ~80 KB of UTF-8).
The WAF in front of the stage blocks larger bodies by their Content-Length with the same figure
(``infra/constructs/api_gateway.py``; tests/infra asserts they agree).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from lambdas.api.cors import ConfiguredCors
from strata.errors import PayloadTooLarge

MAX_REQUEST_BODY_BYTES = 409_600


def body_bytes(body: str | None, is_base64_encoded: bool) -> int:
    """The size of the body as the client sent it."""
    if not body:
        return 0
    if is_base64_encoded:
        try:
            return len(base64.b64decode(body, validate=False))
        except (binascii.Error, ValueError):
            return len(body)
    return len(body.encode("utf-8"))


def refuse_oversized(event: dict[str, Any]) -> dict[str, Any] | None:
    """The 413 proxy response for an event whose body is over the limit, else None.

    Checked before the resolver runs: Powertools validates the body against the route's model
    before any middleware, so a middleware would answer 422 about the content instead.
    """
    size = body_bytes(event.get("body"), bool(event.get("isBase64Encoded")))
    if size <= MAX_REQUEST_BODY_BYTES:
        return None
    error = PayloadTooLarge(
        f"the request body is larger than {MAX_REQUEST_BODY_BYTES} bytes",
        details={"bytes": size, "limit": MAX_REQUEST_BODY_BYTES},
    )
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    cors = ConfiguredCors()
    origin = cors.allowed_origin(headers.get("origin", ""))
    return {
        "statusCode": error.status_code,
        "headers": {"Content-Type": "application/json", **(cors.to_dict(origin) if origin else {})},
        "body": json.dumps({"error": error.to_dict()}),
        "isBase64Encoded": False,
    }
