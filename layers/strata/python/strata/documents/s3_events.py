"""The objects named by an SQS message that carries an S3 event notification.

S3 sends an ``s3:TestEvent`` when a notification is configured (no records), URL-encodes keys in
event records (``+`` for a space) and may deliver an event more than once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from strata.documents.pipeline import S3ObjectRef

TEST_EVENT = "s3:TestEvent"
OBJECT_CREATED_PREFIX = "ObjectCreated:"


def objects_in_message(body: str) -> list[S3ObjectRef]:
    """Created objects in the message, in order; none for a test event.

    Raises ``ValueError`` for a body that is not an S3 notification, so the message ends in the
    dead-letter queue where an operator can read it.
    """
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("the message is not an S3 event notification")
    if payload.get("Event") == TEST_EVENT:
        return []
    records = payload.get("Records")
    if not isinstance(records, list):
        raise ValueError("the message is not an S3 event notification")
    return [
        _object_ref(record)
        for record in records
        if str(record.get("eventName", "")).startswith(OBJECT_CREATED_PREFIX)
    ]


def _object_ref(record: dict[str, Any]) -> S3ObjectRef:
    s3 = record["s3"]
    obj = s3["object"]
    size = obj.get("size")
    return S3ObjectRef(
        bucket=str(s3["bucket"]["name"]),
        key=unquote_plus(str(obj["key"])),
        version_id=obj.get("versionId") or None,
        size=int(size) if size is not None else None,
        sequencer=obj.get("sequencer") or None,
        etag=obj.get("eTag") or None,
    )
