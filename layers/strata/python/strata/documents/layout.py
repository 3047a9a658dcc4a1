"""Where a document's objects live in the bucket.

documents/<sub>/<docId>/original              the upload (the only key that triggers ingestion)
documents/<sub>/<docId>/extracted-text.txt    plain text
documents/<sub>/<docId>/chunks.jsonl          one JSON object per chunk
processed/<sub>/<docId>/metadata.json         processing metadata
processed/<sub>/<docId>/embeddings.jsonl      vectors, so a reindex needs no embedding calls
temp-uploads/<uploadId>/...                   scratch space, expires after a day
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCUMENTS_PREFIX = "documents/"
PROCESSED_PREFIX = "processed/"
TEMP_UPLOADS_PREFIX = "temp-uploads/"
ORIGINAL_SUFFIX = "original"

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}"
_ORIGINAL_KEY = re.compile(rf"^documents/(?P<user>{_SEGMENT})/(?P<doc>{_SEGMENT})/original$")
_DOCUMENT_KEY = re.compile(rf"^documents/(?P<user>{_SEGMENT})/(?P<doc>{_SEGMENT})/[^/]+$")


@dataclass(frozen=True)
class DocumentKeys:
    """Every object key of one document."""

    user_id: str
    document_id: str

    @property
    def document_prefix(self) -> str:
        return f"{DOCUMENTS_PREFIX}{self.user_id}/{self.document_id}/"

    @property
    def processed_prefix(self) -> str:
        return f"{PROCESSED_PREFIX}{self.user_id}/{self.document_id}/"

    @property
    def original(self) -> str:
        return f"{self.document_prefix}{ORIGINAL_SUFFIX}"

    @property
    def extracted_text(self) -> str:
        return f"{self.document_prefix}extracted-text.txt"

    @property
    def chunks(self) -> str:
        return f"{self.document_prefix}chunks.jsonl"

    @property
    def metadata(self) -> str:
        return f"{self.processed_prefix}metadata.json"

    @property
    def embeddings(self) -> str:
        return f"{self.processed_prefix}embeddings.jsonl"

    @property
    def prefixes(self) -> tuple[str, str]:
        """Both prefixes under which the document's objects live (for deletion)."""
        return (self.document_prefix, self.processed_prefix)


def parse_original_key(key: str) -> DocumentKeys | None:
    """The document an uploaded object belongs to, or None when the key is not an original."""
    match = _ORIGINAL_KEY.match(key)
    if match is None:
        return None
    return DocumentKeys(user_id=match["user"], document_id=match["doc"])


def parse_document_key(key: str) -> DocumentKeys | None:
    """The document any object under ``documents/<sub>/<docId>/`` belongs to, or None."""
    match = _DOCUMENT_KEY.match(key)
    if match is None:
        return None
    return DocumentKeys(user_id=match["user"], document_id=match["doc"])
