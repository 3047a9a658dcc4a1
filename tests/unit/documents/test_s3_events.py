"""Reading S3 event notifications out of SQS message bodies."""

from __future__ import annotations

import json

import pytest

from strata.documents.pipeline import S3ObjectRef
from strata.documents.s3_events import objects_in_message


def s3_event(key: str, event_name: str = "ObjectCreated:Post", **obj: object) -> str:
    record = {
        "eventName": event_name,
        "s3": {"bucket": {"name": "docs"}, "object": {"key": key, **obj}},
    }
    return json.dumps({"Records": [record]})


def test_created_objects_are_read_with_decoded_keys() -> None:
    body = s3_event("documents/u1/d1/my+file%2B1.txt", size=12, versionId="v1", sequencer="00A")
    assert objects_in_message(body) == [
        S3ObjectRef("docs", "documents/u1/d1/my file+1.txt", "v1", 12, "00A", None)
    ]


def test_a_test_event_and_other_event_types_name_no_objects() -> None:
    test_event = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "docs"})
    assert objects_in_message(test_event) == []
    assert objects_in_message(s3_event("documents/u/d/original", "ObjectRemoved:Delete")) == []


def test_an_unversioned_object_has_no_version_id() -> None:
    (ref,) = objects_in_message(s3_event("documents/u/d/original", size=3, versionId=""))
    assert ref.version_id is None


@pytest.mark.parametrize("body", ["not json", "[]", '{"Records": "x"}', "{}"])
def test_a_body_that_is_not_an_s3_notification_is_an_error(body: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        objects_in_message(body)
