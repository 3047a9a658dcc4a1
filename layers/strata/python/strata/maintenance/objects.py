"""The documents bucket as maintenance sees it: which documents have objects, and how fresh."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from strata.documents.layout import DOCUMENTS_PREFIX, DocumentKeys, parse_document_key
from strata.errors import Unavailable


@dataclass(frozen=True)
class StoredDocument:
    """The current objects under one ``documents/<sub>/<docId>/`` prefix."""

    keys: DocumentKeys
    objects: int
    newest: datetime


class DocumentObjects:
    """Lists ``documents/`` with an injected S3 client: 1 ListObjectsV2 per 1,000 objects."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def stored_documents(self) -> Iterator[StoredDocument]:
        """Every document prefix with its object count and newest modification, in key order
        (S3 lists keys in order, so one document's objects arrive together)."""
        current: DocumentKeys | None = None
        count = 0
        newest: datetime | None = None
        try:
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=DOCUMENTS_PREFIX):
                for entry in page.get("Contents", []):
                    keys = parse_document_key(str(entry["Key"]))
                    if keys is None:
                        continue
                    if keys != current:
                        if current is not None and newest is not None:
                            yield StoredDocument(current, count, newest)
                        current, count, newest = keys, 0, None
                    modified: datetime = entry["LastModified"]
                    count += 1
                    newest = modified if newest is None else max(newest, modified)
        except (BotoCoreError, ClientError) as exc:
            raise Unavailable("the documents bucket could not be listed") from exc
        if current is not None and newest is not None:
            yield StoredDocument(current, count, newest)
