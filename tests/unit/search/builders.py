"""Small builders of chunks and memories for the search tests."""

from __future__ import annotations

from strata.search.local import LocalLexicalEmbedder
from strata.search.types import ChunkMetadata, ChunkVector, MemoryVector

DIMENSION = 64
EMBEDDER = LocalLexicalEmbedder(DIMENSION)


def vector(text: str) -> tuple[float, ...]:
    return EMBEDDER.embed([text])[0]


def chunk(
    user_id: str,
    document_id: str,
    index: int,
    content: str,
    *,
    file_name: str = "report.pdf",
    file_type: str = "pdf",
    tags: tuple[str, ...] = (),
    upload_date: str = "2026-11-01T10:00:00Z",
    page: int | None = 1,
) -> ChunkVector:
    return ChunkVector(
        chunkId=f"{document_id}:{index}",
        documentId=document_id,
        userId=user_id,
        chunkIndex=index,
        content=content,
        embedding=vector(content),
        metadata=ChunkMetadata(
            fileName=file_name,
            fileType=file_type,
            wordCount=len(content.split()),
            charCount=len(content),
            startPosition=0,
            endPosition=len(content),
            pageNumber=page,
            tags=tags,
        ),
        uploadDate=upload_date,
        createdAt=upload_date,
    )


def memory(user_id: str, memory_id: str, content: str, *, kind: str = "fact") -> MemoryVector:
    return MemoryVector(
        memoryId=memory_id,
        userId=user_id,
        type=kind,
        content=content,
        embedding=vector(content),
        relevanceScore=0.8,
        createdAt="2026-11-02T09:00:00Z",
    )
