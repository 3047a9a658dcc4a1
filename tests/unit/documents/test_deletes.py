"""Deleting a document's objects: S3's per-key errors inside a 200 response are failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from strata.documents.artifacts import ArtifactStore
from strata.documents.layout import DocumentKeys
from strata.documents.uploads import DocumentUploads
from strata.errors import Unavailable

BUCKET = "strata-test-documents"
KEYS = DocumentKeys("user-a", "doc-1")


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    with Stubber(s3) as stubber:
        yield s3, stubber
        stubber.assert_no_pending_responses()


def listing(prefix: str, *keys: str) -> dict[str, Any]:
    return {
        "Name": BUCKET,
        "Prefix": prefix,
        "IsTruncated": False,
        "Versions": [{"Key": key, "VersionId": "v1"} for key in keys],
    }


def refused(key: str) -> dict[str, Any]:
    return {"Errors": [{"Key": key, "VersionId": "v1", "Code": "AccessDenied"}]}


def test_a_version_s3_refuses_to_delete_fails_the_document_delete(
    stubbed: tuple[Any, Stubber],
) -> None:
    # Given S3 refuses to delete one version of the metadata (a 200 with per-key errors)
    s3, stubber = stubbed
    stubber.add_response("list_object_versions", listing(KEYS.document_prefix, KEYS.original))
    stubber.add_response("delete_objects", {})
    stubber.add_response("list_object_versions", listing(KEYS.processed_prefix, KEYS.metadata))
    stubber.add_response("delete_objects", refused(KEYS.metadata))
    # When the document's objects are deleted
    # Then the caller learns they are not gone (and keeps the record that points at them)
    with pytest.raises(Unavailable):
        DocumentUploads(s3, BUCKET, 900).delete_objects(KEYS)


def test_an_artifact_s3_refuses_to_delete_is_a_failure(stubbed: tuple[Any, Stubber]) -> None:
    # Given S3 refuses to delete a version of the stored embeddings
    s3, stubber = stubbed
    stubber.add_response("list_object_versions", listing(KEYS.document_prefix))
    stubber.add_response("list_object_versions", listing(KEYS.processed_prefix, KEYS.embeddings))
    stubber.add_response("delete_objects", refused(KEYS.embeddings))
    # When ingestion removes the leftovers of a deleted document
    # Then the failure is raised, not ignored
    with pytest.raises(Unavailable):
        ArtifactStore(s3, BUCKET).delete_artifacts(KEYS)
