"""``/documents``: the caller's documents, uploaded through presigned POSTs."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api.dependencies import AppServices, CurrentCaller, Limit, NextToken
from lambdas.api.params import Id, IfMatch, error_responses, expected_version, no_content
from lambdas.api.routing import new_router
from strata.models import Document, DocumentCreate, DocumentStatus, DocumentUpdate, Page
from strata.services.inputs import DocumentUpload, DownloadLink

router = new_router()
TAGS = ["documents"]
StatusFilter = Annotated[DocumentStatus | None, Query(description="only documents in this status")]
TypeFilter = Annotated[str | None, Query(alias="fileType", max_length=255)]


@router.get(
    "/documents",
    tags=TAGS,
    summary="The caller's documents, newest first",
    responses=error_responses(400),
)
def list_documents(
    *,
    caller: CurrentCaller,
    services: AppServices,
    limit: Limit = 20,
    next_token: NextToken = None,
    status: StatusFilter = None,
    file_type: TypeFilter = None,
) -> Page[Document]:
    return services.documents.list_documents(caller, limit, next_token, status, file_type)


@router.post(
    "/documents",
    status_code=201,
    tags=TAGS,
    summary="Create a document and get a presigned POST to upload it",
    responses=error_responses(400, success=201),
)
def create_document(
    body: DocumentCreate, caller: CurrentCaller, services: AppServices
) -> DocumentUpload:
    return services.documents.create(caller, body)


@router.get(
    "/documents/<documentId>", tags=TAGS, summary="A document", responses=error_responses(404)
)
def get_document(documentId: Id, caller: CurrentCaller, services: AppServices) -> Document:
    return services.documents.get(caller, documentId)


@router.patch(
    "/documents/<documentId>",
    tags=TAGS,
    summary="Change a document's title, description or tags",
    responses=error_responses(400, 404, 409),
)
def update_document(
    documentId: Id,
    body: DocumentUpdate,
    caller: CurrentCaller,
    services: AppServices,
    if_match: IfMatch = None,
) -> Document:
    return services.documents.update(caller, documentId, body, expected_version(if_match))


@router.delete(
    "/documents/<documentId>",
    status_code=204,
    tags=TAGS,
    summary="Delete a document, every version of its objects and its vectors",
    responses=error_responses(404, success=204),
)
def delete_document(documentId: Id, caller: CurrentCaller, services: AppServices) -> Response[None]:
    services.documents.delete(caller, documentId)
    return no_content()


@router.get(
    "/documents/<documentId>/download",
    tags=TAGS,
    summary="A presigned GET of the uploaded file",
    responses=error_responses(404, 409),
)
def download_document(documentId: Id, caller: CurrentCaller, services: AppServices) -> DownloadLink:
    return services.documents.download(caller, documentId)
