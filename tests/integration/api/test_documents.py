"""/documents: presigned uploads that only accept the declared file, downloads, deletion of
every version and of the vectors."""

from __future__ import annotations

from typing import Any

import requests

from strata.documents.layout import DocumentKeys
from strata.documents.limits import max_upload_bytes
from strata.models import DocumentStatus
from strata.search.types import ChunkMetadata, ChunkVector
from tests.integration.api.conftest import DIMENSION, Api
from tests.support.events import Identity

TEXT = b"Strata keeps documents under their owner's prefix."


def create(api: Api, who: Identity, **overrides: Any) -> dict[str, Any]:
    body = {"fileName": "notes.txt", "fileType": "text/plain", "fileSize": len(TEXT), **overrides}
    response = api.call("POST", "/documents", who, body=body)
    assert response.status == 201, response.raw_body
    return dict(response.json())


def upload(created: dict[str, Any], content: bytes, content_type: str = "text/plain") -> int:
    form = created["upload"]
    fields = {**form["fields"], "Content-Type": content_type}
    response = requests.post(form["url"], data=fields, files={"file": content}, timeout=10)
    return response.status_code


def test_create_returns_an_uploading_document_and_a_pinned_post(api: Api, alice: Identity) -> None:
    created = create(api, alice, title="Notes", tags=["a"])
    document = created["document"]
    keys = DocumentKeys(alice.sub, document["documentId"])
    # Then the document waits for its upload, at the key the POST policy pins
    assert document["status"] == "uploading"
    assert document["s3Key"] == keys.original
    assert document["metadata"]["title"] == "Notes"
    assert created["upload"]["fields"]["key"] == keys.original
    assert created["upload"]["fields"]["Content-Type"] == "text/plain"
    assert created["upload"]["expiresIn"] == api.settings.upload_url_expiry_seconds
    # And uploading with it puts the file there
    assert upload(created, TEXT) in (200, 204)
    stored = api.s3.get_object(Bucket=api.settings.bucket_name, Key=keys.original)
    assert stored["Body"].read() == TEXT


def test_create_refuses_types_and_sizes_outside_the_settings(api: Api, alice: Identity) -> None:
    response = api.call(
        "POST",
        "/documents",
        alice,
        body={"fileName": "x.exe", "fileType": "application/x-msdownload", "fileSize": 10**9},
    )
    assert response.status == 400
    fields = {f["field"] for f in response.json()["error"]["details"]["fields"]}
    assert fields == {"fileType", "fileSize"}
    missing = api.call("POST", "/documents", alice, body={"fileName": "x.txt"})
    assert missing.status == 422


def test_get_list_update_and_download(api: Api, alice: Identity, bob: Identity) -> None:
    created = [create(api, alice, fileName=f"n{n}.txt") for n in range(3)]
    document_id = created[0]["document"]["documentId"]
    path = f"/documents/{document_id}"
    assert api.call("GET", path, alice).json()["fileName"] == "n0.txt"
    assert api.call("GET", path, bob).status == 404
    # Newest first, in pages
    first = api.call("GET", "/documents", alice, query={"limit": 2}).json()
    rest = api.call("GET", "/documents", alice, query={"nextToken": first["nextToken"]}).json()
    names = [d["fileName"] for d in first["items"] + rest["items"]]
    assert names == ["n2.txt", "n1.txt", "n0.txt"]
    filtered = api.call("GET", "/documents", alice, query={"status": "ready"}).json()
    assert filtered["items"] == []
    # Metadata changes check the version
    patched = api.call("PATCH", path, alice, body={"tags": ["x"]}, headers={"If-Match": "1"})
    assert patched.json()["metadata"]["tags"] == ["x"]
    stale = api.call("PATCH", path, alice, body={"tags": ["y"]}, headers={"If-Match": "1"})
    assert stale.status == 409
    # Download before the upload is a conflict; after it, a signed GET of the bytes
    assert api.call("GET", f"{path}/download", alice).status == 409
    upload(created[0], TEXT)
    api.repositories.documents.transition(alice.sub, document_id, DocumentStatus.PROCESSING)
    link = api.call("GET", f"{path}/download", alice).json()
    assert requests.get(link["url"], timeout=10).content == TEXT
    assert api.call("GET", f"{path}/download", bob).status == 404


def test_delete_removes_objects_versions_and_vectors(api: Api, alice: Identity) -> None:
    created = create(api, alice)
    document_id = created["document"]["documentId"]
    keys = DocumentKeys(alice.sub, document_id)
    upload(created, TEXT)
    upload(created, TEXT + b" v2")
    api.s3.put_object(Bucket=api.settings.bucket_name, Key=keys.chunks, Body=b"{}")
    api.index.replace_document_chunks(alice.sub, document_id, [_chunk(alice.sub, document_id)])
    # When alice deletes the document
    assert api.call("DELETE", f"/documents/{document_id}", alice).status == 204
    # Then the item, every object version and the vectors are gone
    assert api.call("GET", f"/documents/{document_id}", alice).status == 404
    versions = api.s3.list_object_versions(
        Bucket=api.settings.bucket_name, Prefix=f"documents/{alice.sub}/"
    )
    assert versions.get("Versions", []) == []
    assert api.index.chunk_count(alice.sub, document_id) == 0
    assert api.call("DELETE", f"/documents/{document_id}", alice).status == 404


def _chunk(user_id: str, document_id: str) -> ChunkVector:
    vector = tuple([1.0] + [0.0] * (DIMENSION - 1))
    return ChunkVector(
        chunkId=f"{document_id}:0",
        documentId=document_id,
        userId=user_id,
        chunkIndex=0,
        content="Strata keeps documents",
        embedding=vector,
        metadata=ChunkMetadata(
            fileName="notes.txt",
            fileType="text/plain",
            wordCount=3,
            charCount=22,
            startPosition=0,
            endPosition=22,
        ),
        uploadDate="2026-11-22T00:00:00Z",
        createdAt="2026-11-22T00:00:00Z",
    )


def test_creation_refuses_a_file_larger_than_its_type_can_be_processed(
    api: Api, alice: Identity
) -> None:
    # Given the largest CSV and PDF the settings let Strata process whole
    csv_limit = max_upload_bytes("text/csv", api.settings)
    pdf_limit = max_upload_bytes("application/pdf", api.settings)
    assert csv_limit <= api.settings.max_extracted_chars // 2
    # When a CSV one byte larger is announced, and a PDF of the PDF limit
    csv = api.call(
        "POST",
        "/documents",
        alice,
        body={"fileName": "big.csv", "fileType": "text/csv", "fileSize": csv_limit + 1},
    )
    pdf = api.call(
        "POST",
        "/documents",
        alice,
        body={"fileName": "b.pdf", "fileType": "application/pdf", "fileSize": pdf_limit},
    )
    # Then the CSV is refused at creation with its type's limit, and the PDF is accepted
    assert csv.status == 400
    (problem,) = csv.json()["error"]["details"]["fields"]
    assert (problem["field"], problem["maximum"]) == ("fileSize", csv_limit)
    assert pdf.status == 201
