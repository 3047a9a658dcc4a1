"""``strata reindex``: rebuild a document's vectors from its stored chunks and embeddings.

Ingestion keeps ``chunks.jsonl`` and ``embeddings.jsonl`` next to every document, so when the
configured embedding model and dimension are the ones the embeddings were made with, a reindex
makes no embedding call at all: 1 GetObject each for the two files + the index's writes. With
another model, a document is skipped unless ``--allow-embedding`` pays for new embeddings.

The destination is a :class:`VectorIndex`; :func:`destination` picks it: the environment's own
index, or with ``--to s3vectors|opensearch`` that store of the environment, which is how an
environment moves between vector backends (docs/OPERATIONS.md): the chunks' vectors are rebuilt
from the stored chunks and embeddings, the memories' read from the current store, with no
embedding call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from ops.console import INTERRUPTED, Checkpoint, console, progress, summary
from ops.context import target_of
from ops.memory_source import MemoryReader, memory_reader
from ops.target import Target, TargetError
from strata.clock import format_timestamp
from strata.documents.artifacts import ArtifactStore, content_hash
from strata.documents.layout import DocumentKeys
from strata.models import UserMemory, memory_text
from strata.models.documents import Document, DocumentStatus
from strata.search.types import ChunkMetadata, ChunkVector, Embedder, VectorIndex
from strata.services.memories import memory_vector
from strata.store.documents import DocumentRepository


@dataclass
class ReindexReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    memories: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


class Reindexer:
    def __init__(
        self,
        documents: DocumentRepository,
        artifacts: ArtifactStore,
        index: VectorIndex,
        *,
        model: str,
        dimension: int,
        embedder: Callable[[], Embedder] | None = None,
    ) -> None:
        self._documents = documents
        self._artifacts = artifacts
        self._index = index
        self._model = model
        self._dimension = dimension
        self._embedder = embedder

    @property
    def index(self) -> VectorIndex:
        return self._index

    @property
    def embedder(self) -> Callable[[], Embedder] | None:
        return self._embedder

    def ready_documents(self, user: str | None, document: str | None) -> Iterator[Document]:
        """Ready documents: one user's (1 Query on GSI1 per page) or everyone's (1 Query per
        status shard per page); ``document`` narrows to one."""
        if user is not None and document is not None:
            found = self._documents.get(user, document, consistent=True)
            if found.status is DocumentStatus.READY:
                yield found
            return
        token: str | None = None
        while True:
            if user is not None:
                page = self._documents.list_documents(
                    user, status=DocumentStatus.READY, limit=100, next_token=token
                )
            else:
                page = self._documents.list_by_status(
                    DocumentStatus.READY, limit=100, next_token=token
                )
            for item in page.items:
                if document is None or item.document_id == document:
                    yield item
            token = page.next_token
            if token is None:
                return

    def reindex(self, document: Document, report: ReindexReport) -> None:
        keys = DocumentKeys(document.user_id, document.document_id)
        try:
            chunks = self._artifacts.read_chunks(keys)
        except ValueError:
            report.skipped.append((document.document_id, "chunks.jsonl is damaged"))
            return
        if not chunks:
            report.skipped.append((document.document_id, "no stored chunks"))
            return
        stored = {
            (e.contentHash, e.chunkId): e.embedding
            for e in self._artifacts.read_embeddings(keys)
            if e.model == self._model and e.dimension == self._dimension
        }
        vectors = [stored.get((content_hash(c["content"]), c["chunkId"])) for c in chunks]
        missing = [n for n, vector in enumerate(vectors) if vector is None]
        if missing:
            if self._embedder is None:
                report.skipped.append(
                    (
                        document.document_id,
                        f"{len(missing)} chunk(s) need new embeddings "
                        f"({self._model}/{self._dimension}); pass --allow-embedding",
                    )
                )
                return
            fresh = self._embedder().embed([chunks[n]["content"] for n in missing])
            for n, vector in zip(missing, fresh, strict=True):
                vectors[n] = vector
            report.embedded += len(missing)
        self._index.replace_document_chunks(
            document.user_id,
            document.document_id,
            [
                _vector(document, chunk, vector)
                for chunk, vector in zip(chunks, vectors, strict=True)
                if vector is not None
            ],
        )
        report.documents += 1
        report.chunks += len(chunks)


def _vector(document: Document, chunk: dict[str, object], vector: tuple[float, ...]) -> ChunkVector:
    meta = chunk.get("metadata") if isinstance(chunk.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    return ChunkVector(
        chunkId=str(chunk["chunkId"]),
        documentId=document.document_id,
        userId=document.user_id,
        chunkIndex=int(str(chunk["chunkIndex"])),
        content=str(chunk["content"]),
        embedding=tuple(vector),
        metadata=ChunkMetadata(
            fileName=document.file_name,
            fileType=document.file_type,
            wordCount=int(meta.get("wordCount") or 0),
            charCount=int(meta.get("charCount") or 0),
            startPosition=int(str(chunk.get("startPosition") or 0)),
            endPosition=int(str(chunk.get("endPosition") or 0)),
            pageNumber=meta.get("pageNumber"),
            section=meta.get("section"),
            tags=tuple(document.metadata.tags),
        ),
        uploadDate=format_timestamp(document.upload_date),
        createdAt=str(chunk.get("createdAt") or format_timestamp(document.updated_at)),
    )


def move_memories(
    target: Target,
    index: VectorIndex,
    embedder: Callable[[], Embedder] | None,
    user: str | None,
    report: ReindexReport,
    read: MemoryReader,
) -> None:
    """The memories' vectors in another store. A memory's embedding is kept only in the vector
    index, so it is read from the old store (``read``, :mod:`ops.memory_source`: 1 read per 100
    memories of a user) and written with no embedding call. Only a memory whose vector
    the current store lacks (or holds for other text) is embedded again: 1 call each, and only
    with consent (``--allow-embedding``)."""
    dimension = target.settings.embedding_dimension
    missing: list[UserMemory] = []
    for owner in [user] if user is not None else _user_ids(target):
        memories = list(_user_memories(target, owner))
        if not memories:
            continue
        stored = read(owner, [memory.memory_id for memory in memories])
        for memory in memories:
            text = memory_text(memory.content)
            content, embedding = stored.get(memory.memory_id, ("", ()))
            if content != text or len(embedding) != dimension:
                missing.append(memory)
                continue
            index.put_memory(memory_vector(memory, text, embedding))
            report.memories += 1
    if not missing:
        return
    if embedder is None:
        report.skipped.append(
            (
                "memories",
                f"{len(missing)} memory vector(s) are missing in the store they move from and "
                "need new embeddings; name the old store (--from-bucket / --from-collection) or "
                "pass --allow-embedding",
            )
        )
        return
    from strata.services.memories import index_memory  # noqa: PLC0415

    model = embedder()
    for memory in missing:
        index_memory(memory, model, index)
        report.memories += 1
        report.embedded += 1


def _user_memories(target: Target, owner: str) -> Iterator[Any]:
    repository = target.repositories.memories

    def fetch(token: str | None) -> Any:
        return repository.list_memories(owner, limit=100, next_token=token)

    return _pages(fetch)


def _user_ids(target: Target) -> Iterator[str]:
    users = target.repositories.users
    for found in _pages(lambda token: users.list_users(limit=100, next_token=token)):
        yield found.user_id


def _pages(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page.items
        token = page.next_token
        if token is None:
            return


def embedding_model(target: Target) -> str:
    """The model name ingestion records with its embeddings (``local`` for the local one)."""
    settings = target.settings
    return settings.embedding_model_id if settings.embedder == "bedrock" else "local"


DESTINATIONS: tuple[str, ...] = ("current", "s3vectors", "opensearch")


def destination(target: Target, to: str | None) -> VectorIndex:
    """Where vectors go: the environment's own index, or its ``s3vectors`` / ``opensearch``
    store."""
    if to in (None, "current"):
        return target.vector_index
    if to not in DESTINATIONS:
        known = ", ".join(DESTINATIONS)
        raise typer.BadParameter(f"unknown destination {to!r} (known: {known})", param_hint="--to")
    try:
        return target.store_index(to)
    except TargetError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from exc


def reindexer(target: Target, *, allow_embedding: bool, to: str | None = None) -> Reindexer:
    def embedder() -> Embedder:
        from strata.search.factory import build_embedder  # noqa: PLC0415

        return build_embedder(target.settings)

    return Reindexer(
        target.repositories.documents,
        ArtifactStore(target.client("s3"), target.settings.bucket_name),
        destination(target, to),
        model=embedding_model(target),
        dimension=target.settings.embedding_dimension,
        embedder=embedder if allow_embedding else None,
    )


def reindex_command(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this user's documents")] = None,
    document: Annotated[str | None, typer.Option(help="Only this document")] = None,
    allow_embedding: Annotated[
        bool, typer.Option(help="Embed again where stored embeddings do not fit the model")
    ] = False,
    resume: Annotated[bool, typer.Option(help="Skip documents the checkpoint lists")] = False,
    checkpoint: Annotated[Path, typer.Option(help="Checkpoint file")] = Path(
        ".strata-reindex.checkpoint.json"
    ),
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Write to this vector store of the environment: s3vectors or opensearch "
            "(default: the one its functions use)",
        ),
    ] = None,
    from_bucket: Annotated[
        str,
        typer.Option(help="With --to: read memories' vectors from this (old) S3 Vectors bucket"),
    ] = "",
    from_collection: Annotated[
        str,
        typer.Option(
            help="With --to: read memories' vectors from this (old) OpenSearch collection endpoint"
        ),
    ] = "",
) -> None:
    """Rebuild vectors from stored chunks and embeddings (no embedding calls when they fit).

    With ``--to`` the vectors go to that store of the environment (moving between backends);
    memories then move too, their embeddings read from the old store (``--from-bucket`` /
    ``--from-collection``, else the current store unless it is the destination); a memory
    missing there is embedded again, only with ``--allow-embedding``.

    After each document the checkpoint lists it; Ctrl-C leaves the checkpoint and ``--resume``
    skips what it lists."""
    if (from_bucket or from_collection) and (to in (None, "current") or document is not None):
        raise typer.BadParameter("only with --to, for every document", param_hint="--from-*")
    if from_bucket and from_collection:
        raise typer.BadParameter("name one old store, not two", param_hint="--from-*")
    target = target_of(ctx)
    worker = reindexer(target, allow_embedding=allow_embedding, to=to)
    report = ReindexReport()
    saved = Checkpoint(checkpoint)
    done: list[str] = list(((saved.load() if resume else None) or {}).get("done", []))
    finished = set(done)
    with progress() as bar:
        task = bar.add_task("reindexing documents", total=None)
        try:
            for found in worker.ready_documents(user, document):
                key = f"{found.user_id}/{found.document_id}"
                if key not in finished:
                    worker.reindex(found, report)
                    done.append(key)
                    saved.save({"done": done})
                bar.advance(task)
        except KeyboardInterrupt:
            saved.save({"done": done})
            console.print(
                f"[yellow]interrupted: {checkpoint} lists {len(done)} document(s) done;"
                " rerun with --resume[/]",
                soft_wrap=True,
            )
            raise typer.Exit(INTERRUPTED) from None
    saved.clear()
    if to not in (None, "current") and document is None:
        read = memory_reader(
            target, to=str(to), from_bucket=from_bucket, from_collection=from_collection
        )
        move_memories(target, worker.index, worker.embedder, user, report, read)
    summary(
        "reindex",
        {
            "destination": to or "current",
            "documents": report.documents,
            "chunks": report.chunks,
            "memories": report.memories,
            "embedding calls": report.embedded,
            "skipped": len(report.skipped),
            "already done (resumed)": len(finished),
        },
    )
    for document_id, reason in report.skipped:
        console.print(f"[yellow]skipped {document_id}: {reason}[/]", soft_wrap=True)
    if report.skipped:
        raise typer.Exit(1)
