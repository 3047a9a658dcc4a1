"""Presigned URLs name the bucket's regional, virtual-hosted endpoint (issue 9, point 2)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from strata.documents.layout import DocumentKeys
from strata.documents.s3 import build_s3_client
from strata.documents.uploads import DocumentUploads

BUCKET = "strata-prod-documents-123456789012"
KEYS = DocumentKeys("user-a", "doc-1")


@pytest.fixture(autouse=True)
def _aws_not_an_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")


@pytest.mark.parametrize("region", ["eu-west-1", "af-south-1", "us-east-1"])
def test_presigned_post_and_get_use_the_regional_virtual_hosted_endpoint(region: str) -> None:
    # Given the production S3 client for a region (af-south-1 is an opt-in region)
    uploads = DocumentUploads(build_s3_client(region), BUCKET, 900)
    # When an upload form and a download URL are signed
    post = uploads.presigned_post(KEYS, "application/pdf", 1024)
    get = uploads.presigned_get(KEYS, "report.pdf")
    # Then both name the bucket on the region's own endpoint: no global-endpoint redirect
    expected = f"{BUCKET}.s3.{region}.amazonaws.com"
    assert urlsplit(post.url).hostname == expected
    assert urlsplit(get.url).hostname == expected
    assert urlsplit(get.url).path == f"/{KEYS.original}"
    # And the POST policy is signed with SigV4 for that region
    assert post.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert f"/{region}/s3/aws4_request" in post.fields["x-amz-credential"]


def test_against_an_emulator_endpoint_urls_are_path_style(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given boto3 pointed at an emulator by name (a bucket subdomain of it would not resolve)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://localhost:4566")
    # When an upload form is signed
    post = DocumentUploads(build_s3_client("eu-west-1"), BUCKET, 900).presigned_post(
        KEYS, "text/plain", 10
    )
    # Then the bucket is in the path of the emulator's URL
    assert post.url == f"http://localhost:4566/{BUCKET}"
