"""The Cognito directory adapter and the presigned document URLs against moto."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from strata.auth.directory import CognitoDirectory
from strata.documents.layout import DocumentKeys
from strata.documents.uploads import DocumentUploads
from strata.errors import Conflict
from tests.support.moto_server import MotoServer

Directory = tuple[CognitoDirectory, Any, str]
Uploads = tuple[DocumentUploads, Any, str]


@pytest.fixture
def directory(moto_server: MotoServer) -> Directory:
    client = moto_server.client("cognito-idp")
    pool = client.create_user_pool(
        PoolName=f"strata-test-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"]
    )["UserPool"]["Id"]
    return CognitoDirectory(client, pool), client, pool


@pytest.fixture
def uploads(moto_server: MotoServer) -> Uploads:
    s3 = moto_server.client("s3")
    bucket = f"strata-test-docs-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return DocumentUploads(s3, bucket, expiry_seconds=300), s3, bucket


def test_directory_creates_users_and_keeps_groups(directory: Directory) -> None:
    adapter, client, pool = directory
    # Given a new user created by e-mail
    sub = adapter.create_user("new.user@example.com", name="New User")
    # When the group is ensured twice and the user added to it
    adapter.ensure_group("DEVELOPERS", "developers")
    adapter.ensure_group("DEVELOPERS")
    adapter.add_to_group(sub, "DEVELOPERS")
    # Then Cognito knows the user by their sub, in that group
    groups = client.admin_list_groups_for_user(UserPoolId=pool, Username=sub)["Groups"]
    assert [g["GroupName"] for g in groups] == ["DEVELOPERS"]
    # And removal (twice) leaves no membership, deletion (twice) no user
    adapter.remove_from_group(sub, "DEVELOPERS")
    adapter.remove_from_group(sub, "DEVELOPERS")
    assert client.admin_list_groups_for_user(UserPoolId=pool, Username=sub)["Groups"] == []
    adapter.delete_user(sub)
    adapter.delete_user(sub)
    assert client.list_users(UserPoolId=pool)["Users"] == []


def test_directory_refuses_a_second_user_with_the_same_email(directory: Directory) -> None:
    adapter, _, _ = directory
    # Given an existing user
    adapter.create_user("twice@example.com")
    # When another is created with the same e-mail
    with pytest.raises(Conflict) as raised:
        adapter.create_user("twice@example.com")
    # Then the conflict says why
    assert "already exists" in raised.value.message


def test_presigned_post_accepts_only_the_declared_object(uploads: Uploads) -> None:
    signer, s3, bucket = uploads
    keys = DocumentKeys(user_id="user-1", document_id="doc-1")
    # Given a presigned POST for a 20-byte text file
    post = signer.presigned_post(keys, "text/plain", 20)
    # Then its policy fields pin the key and the content type and are V4-signed
    assert post.fields["key"] == keys.original
    assert post.fields["Content-Type"] == "text/plain"
    assert post.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "policy" in post.fields
    # When the file is uploaded with it
    response = requests.post(
        post.url, data=post.fields, files={"file": ("a.txt", b"hello strata")}, timeout=10
    )
    # Then the original lands under the document's key
    assert response.status_code in (200, 204)
    assert s3.get_object(Bucket=bucket, Key=keys.original)["Body"].read() == b"hello strata"


def test_presigned_get_downloads_under_the_file_name(uploads: Uploads) -> None:
    signer, s3, bucket = uploads
    keys = DocumentKeys(user_id="user-1", document_id="doc-2")
    s3.put_object(Bucket=bucket, Key=keys.original, Body=b"content")
    # When a download URL is signed and fetched
    get = signer.presigned_get(keys, 'report "final".pdf')
    response = requests.get(get.url, timeout=10)
    # Then it returns the object as an attachment named after the file
    assert response.content == b"content"
    assert "X-Amz-Signature=" in get.url
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"report _final_.pdf\"; filename*=UTF-8''report%20%22final%22.pdf"
    )


def test_delete_objects_removes_every_version_under_both_prefixes(uploads: Uploads) -> None:
    signer, s3, bucket = uploads
    keys = DocumentKeys(user_id="user-1", document_id="doc-3")
    other = DocumentKeys(user_id="user-1", document_id="doc-30")
    # Given two versions of the original, derived artifacts and another document's object
    s3.put_object(Bucket=bucket, Key=keys.original, Body=b"v1")
    s3.put_object(Bucket=bucket, Key=keys.original, Body=b"v2")
    s3.put_object(Bucket=bucket, Key=keys.chunks, Body=b"{}")
    s3.put_object(Bucket=bucket, Key=keys.metadata, Body=b"{}")
    s3.put_object(Bucket=bucket, Key=other.original, Body=b"keep")
    # When the document's objects are deleted
    deleted = signer.delete_objects(keys)
    # Then every version is gone and the other document is untouched
    assert deleted == 4
    remaining = s3.list_object_versions(Bucket=bucket).get("Versions", [])
    assert [v["Key"] for v in remaining] == [other.original]
