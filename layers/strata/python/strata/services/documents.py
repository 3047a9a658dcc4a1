"""Documents: the owner's alone. Creating one checks the declared type and size against the
settings, stores it as ``uploading`` and returns a presigned POST that only accepts that file.

Deleting removes the vectors and every version of the objects before the item, so a failure
part-way leaves the document visible and a retried DELETE finishes the job.
"""

from __future__ import annotations

from strata.auth import Caller
from strata.config import Settings
from strata.documents.layout import DocumentKeys
from strata.documents.limits import max_upload_bytes
from strata.documents.uploads import DocumentUploads
from strata.errors import Conflict, ValidationError
from strata.ids import new_id
from strata.models import Document, DocumentCreate, DocumentStatus, DocumentUpdate, Page
from strata.search.types import VectorIndex
from strata.services.inputs import DocumentUpload, DownloadLink, UploadForm
from strata.store.documents import DocumentRepository


class DocumentService:
    def __init__(
        self,
        documents: DocumentRepository,
        uploads: DocumentUploads,
        index: VectorIndex,
        settings: Settings,
    ) -> None:
        self._documents = documents
        self._uploads = uploads
        self._index = index
        self._allowed_types = frozenset(t.lower() for t in settings.allowed_content_types)
        self._settings = settings

    def list_documents(
        self,
        caller: Caller,
        limit: int,
        next_token: str | None,
        status: DocumentStatus | None,
        file_type: str | None,
    ) -> Page[Document]:
        return self._documents.list_documents(
            caller.user_id, status=status, file_type=file_type, limit=limit, next_token=next_token
        )

    def create(self, caller: Caller, data: DocumentCreate) -> DocumentUpload:
        self._check_upload(data)
        document_id = new_id()
        keys = DocumentKeys(user_id=caller.user_id, document_id=document_id)
        document = self._documents.create(
            caller.user_id,
            data,
            document_id=document_id,
            s3_bucket=self._uploads.bucket,
            s3_key=keys.original,
        )
        post = self._uploads.presigned_post(keys, document.file_type, document.file_size)
        return DocumentUpload(
            document=document,
            upload=UploadForm(url=post.url, fields=post.fields, expires_in=post.expiresIn),
        )

    def get(self, caller: Caller, document_id: str) -> Document:
        return self._documents.get(caller.user_id, document_id)

    def update(
        self, caller: Caller, document_id: str, update: DocumentUpdate, expected: int | None
    ) -> Document:
        version = expected or self._documents.get(caller.user_id, document_id).version
        return self._documents.update(caller.user_id, document_id, update, expected_version=version)

    def delete(self, caller: Caller, document_id: str) -> None:
        self._documents.get(caller.user_id, document_id, consistent=True)
        keys = DocumentKeys(user_id=caller.user_id, document_id=document_id)
        self._index.delete_document(caller.user_id, document_id)
        self._uploads.delete_objects(keys)
        self._documents.delete(caller.user_id, document_id)

    def download(self, caller: Caller, document_id: str) -> DownloadLink:
        document = self._documents.get(caller.user_id, document_id)
        if document.status is DocumentStatus.UPLOADING:
            raise Conflict(
                "the file has not been uploaded yet", details={"status": document.status.value}
            )
        keys = DocumentKeys(user_id=caller.user_id, document_id=document_id)
        link = self._uploads.presigned_get(keys, document.file_name)
        return DownloadLink(url=link.url, expires_in=link.expiresIn)

    def _check_upload(self, data: DocumentCreate) -> None:
        problems: list[dict[str, object]] = []
        if data.file_type.lower() not in self._allowed_types:
            problems.append(
                {
                    "field": "fileType",
                    "message": "this type of file is not accepted",
                    "allowed": sorted(self._allowed_types),
                }
            )
        maximum = max_upload_bytes(data.file_type, self._settings)
        if data.file_size > maximum:
            problems.append(
                {
                    "field": "fileSize",
                    "message": f"files of this type may be at most {maximum} bytes",
                    "maximum": maximum,
                }
            )
        if problems:
            raise ValidationError("the file cannot be uploaded", details={"fields": problems})
