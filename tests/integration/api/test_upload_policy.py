"""The presigned POST's policy, decoded: what S3 will enforce on the upload.

moto accepts a POST that breaks its policy (another key, a larger body, another Content-Type), so
no upload test could notice a loose policy. These tests read the conditions S3 checks instead.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.api.conftest import Api
from tests.support.events import Identity

SKEW = timedelta(seconds=60)


def _upload(api: Api, identity: Identity, file_type: str, size: int) -> tuple[dict[str, Any], Any]:
    body = {"fileName": "report.pdf", "fileType": file_type, "fileSize": size}
    response = api.call("POST", "/documents", identity, body=body)
    assert response.status == 201, response.raw_body
    created = response.json()
    return created, json.loads(base64.b64decode(created["upload"]["fields"]["policy"]))


@pytest.mark.parametrize(
    ("file_type", "size"), [("application/pdf", 12_345), ("text/plain", 1)], ids=["pdf", "tiny"]
)
def test_the_policy_pins_the_key_the_type_and_the_size(
    api: Api, alice: Identity, file_type: str, size: int
) -> None:
    # When alice creates a document
    issued_at = datetime.now(UTC)
    created, policy = _upload(api, alice, file_type, size)
    document = created["document"]
    fields = created["upload"]["fields"]
    conditions = policy["conditions"]
    # Then the form posts to exactly the document's original, with its declared type
    key = f"documents/{alice.sub}/{document['documentId']}/original"
    assert document["s3Key"] == key
    assert fields["key"] == key
    assert fields["Content-Type"] == file_type
    # And the policy demands that exact key and type (no starts-with anywhere) and the bucket
    assert {"key": key} in conditions
    assert {"Content-Type": file_type} in conditions
    assert {"bucket": api.settings.bucket_name} in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    # And a body of 1 byte up to the declared size
    ranges = [c for c in conditions if isinstance(c, list) and c[0] == "content-length-range"]
    assert ranges == [["content-length-range", 1, size]]
    # And it expires when the settings say, not later
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    lifetime = timedelta(seconds=api.settings.upload_url_expiry_seconds)
    assert issued_at + lifetime - SKEW <= expires <= issued_at + lifetime + SKEW
    assert created["upload"]["expiresIn"] == api.settings.upload_url_expiry_seconds


def test_every_condition_is_one_the_tests_know(api: Api, alice: Identity) -> None:
    # Given the policy of a new document
    _, policy = _upload(api, alice, "text/plain", 10)
    # Then it holds the pinned conditions and the signature's own, nothing that loosens them
    names = {
        next(iter(c)) if isinstance(c, dict) else f"{c[0]}:{c[1]}" for c in policy["conditions"]
    }
    signature = {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-security-token"}
    assert names - signature == {"bucket", "key", "Content-Type", "content-length-range:1"}
