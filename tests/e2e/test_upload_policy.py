"""The local S3 enforces the presigned POST's policy as S3 does (moto enforces none of it): a POST
for another key, a larger file, another type, after expiry or with a forged signature is refused
and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import POLICY_TEXT, create_document, curl_upload
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e

CONTENT = POLICY_TEXT.encode()


def _other_key(upload: dict[str, Any], path: Path) -> None:
    upload["fields"]["key"] = upload["fields"]["key"].replace("/original", "/elsewhere")


def _too_large(upload: dict[str, Any], path: Path) -> None:
    path.write_bytes(CONTENT + b"x" * 100)


def _other_type(upload: dict[str, Any], path: Path) -> None:
    upload["fields"]["Content-Type"] = "text/html"


def _forged_signature(upload: dict[str, Any], path: Path) -> None:
    signature = upload["fields"]["x-amz-signature"]
    upload["fields"]["x-amz-signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]


def _extra_field(upload: dict[str, Any], path: Path) -> None:
    upload["fields"]["x-amz-meta-owner"] = "someone-else"


BREAKS: dict[str, tuple[Callable[[dict[str, Any], Path], None], int, str]] = {
    "another key": (_other_key, 403, "AccessDenied"),
    "a larger file": (_too_large, 400, "EntityTooLarge"),
    "another content type": (_other_type, 403, "AccessDenied"),
    "a forged signature": (_forged_signature, 403, "SignatureDoesNotMatch"),
    "a field the policy does not name": (_extra_field, 403, "AccessDenied"),
}


def _stored_versions(stack: LocalStackProcess, user: User) -> list[str]:
    listed = stack.aws_client("s3").list_object_versions(
        Bucket=stack.runtime["env"]["STRATA_BUCKET_NAME"], Prefix=f"documents/{user.sub}/"
    )
    return [v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]


@pytest.mark.parametrize("breakage", list(BREAKS))
def test_a_post_breaking_the_policy_is_refused_and_stores_nothing(
    local_stack: LocalStackProcess, user: User, tmp_path: Path, breakage: str
) -> None:
    # Given a document's presigned POST, changed to break its policy
    created = create_document(user, CONTENT)
    path = tmp_path / "policy.txt"
    path.write_bytes(CONTENT)
    change, status, code = BREAKS[breakage]
    change(created["upload"], path)
    # When it is posted with curl -F
    got, body = curl_upload(created["upload"], path)
    # Then the local S3 refuses it with S3's error, and nothing is stored
    assert (got, f"<Code>{code}</Code>" in body) == (status, True), body
    assert _stored_versions(local_stack, user) == []
    document = user.call("GET", f"/documents/{created['document']['documentId']}").json()
    assert document["status"] == "uploading"


def test_an_expired_post_is_refused(
    local_stack: LocalStackProcess, user: User, tmp_path: Path
) -> None:
    # Given a POST for the document's exact key and type, whose policy expired a minute ago
    created = create_document(user, CONTENT)
    fields = created["upload"]["fields"]
    expired = local_stack.aws_client("s3").generate_presigned_post(
        Bucket=local_stack.runtime["env"]["STRATA_BUCKET_NAME"],
        Key=fields["key"],
        Fields={"Content-Type": "text/plain"},
        Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, len(CONTENT)]],
        ExpiresIn=-60,
    )
    path = tmp_path / "policy.txt"
    path.write_bytes(CONTENT)
    # When it is posted
    got, body = curl_upload(expired, path)
    # Then it is refused as expired, and nothing is stored
    assert got == 403, body
    assert "Policy expired" in body
    assert _stored_versions(local_stack, user) == []


def test_the_unchanged_post_is_accepted(
    local_stack: LocalStackProcess, user: User, tmp_path: Path
) -> None:
    # Given the same presigned POST, unchanged (so the refusals above are the policy's doing)
    created = create_document(user, CONTENT)
    path = tmp_path / "policy.txt"
    path.write_bytes(CONTENT)
    got, body = curl_upload(created["upload"], path)
    assert got == 204, body
    # (ingestion may already have written the document's artifacts beside it)
    original = created["upload"]["fields"]["key"]
    assert original in _stored_versions(local_stack, user)
