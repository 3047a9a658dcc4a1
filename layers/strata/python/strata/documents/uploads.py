"""Presigned S3 URLs for documents: a POST whose policy fixes what may be uploaded, and a GET.

The POST policy pins the exact key (``documents/<sub>/<docId>/original``), the declared
``Content-Type`` and a ``content-length-range`` of 1..declared size, so a client can neither
write elsewhere nor upload something larger or of another type than the document it created.
Signing is local (no request to S3); the client must use Signature V4 for production-shaped URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from strata.documents.artifacts import raise_for_delete_errors
from strata.documents.layout import DocumentKeys
from strata.errors import Unavailable


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]
    expiresIn: int


@dataclass(frozen=True)
class PresignedGet:
    url: str
    expiresIn: int


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266/5987)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


class DocumentUploads:
    """Signs upload and download URLs for the documents bucket with an injected S3 client."""

    def __init__(self, s3_client: Any, bucket: str, expiry_seconds: int) -> None:
        self._s3 = s3_client
        self._bucket = bucket
        self._expiry = expiry_seconds

    @property
    def bucket(self) -> str:
        return self._bucket

    def presigned_post(self, keys: DocumentKeys, content_type: str, size: int) -> PresignedPost:
        """A POST form for exactly one object: this key, this content type, at most ``size``."""
        response = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=keys.original,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, size],
            ],
            ExpiresIn=self._expiry,
        )
        return PresignedPost(
            url=str(response["url"]),
            fields={str(k): str(v) for k, v in response["fields"].items()},
            expiresIn=self._expiry,
        )

    def presigned_get(self, keys: DocumentKeys, file_name: str) -> PresignedGet:
        """A GET of the original that downloads under its file name."""
        url = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": keys.original,
                "ResponseContentDisposition": content_disposition(file_name),
            },
            ExpiresIn=self._expiry,
        )
        return PresignedGet(url=str(url), expiresIn=self._expiry)

    def delete_objects(self, keys: DocumentKeys) -> int:
        """Delete every version and delete marker under the document's prefixes; returns count.

        Safe to repeat. S3 failures surface as :class:`~strata.errors.Unavailable`.
        """
        try:
            return self._delete_versions(keys)
        except (BotoCoreError, ClientError) as exc:
            raise Unavailable(
                "the document store could not delete the files; try again",
                details={"documentId": keys.document_id},
            ) from exc

    def _delete_versions(self, keys: DocumentKeys) -> int:
        deleted = 0
        paginator = self._s3.get_paginator("list_object_versions")
        for prefix in keys.prefixes:
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                entries = [
                    {"Key": item["Key"], "VersionId": item["VersionId"]}
                    for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                for start in range(0, len(entries), 1000):
                    batch = entries[start : start + 1000]
                    response = self._s3.delete_objects(
                        Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True}
                    )
                    raise_for_delete_errors(response, keys)
                    deleted += len(batch)
        return deleted
