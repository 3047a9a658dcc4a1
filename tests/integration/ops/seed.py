"""A small realistic dataset written through the API's repositories."""

from __future__ import annotations

from dataclasses import dataclass

from ops.target import Target
from strata.models.chat import ChatSessionCreate, MessageCreate
from strata.models.documents import DocumentCreate
from strata.models.groups import GroupCreate
from strata.models.users import CognitoClaims


@dataclass(frozen=True)
class Seeded:
    users: tuple[str, ...]
    group_id: str
    sessions: dict[str, str]
    documents: dict[str, str]


def seed(target: Target, users: int = 3) -> Seeded:
    repos = target.repositories
    subs = tuple(f"user-{n}" for n in range(users))
    sessions: dict[str, str] = {}
    documents: dict[str, str] = {}
    for n, sub in enumerate(subs):
        repos.users.upsert_from_claims(
            CognitoClaims.model_validate({"sub": sub, "email": f"{sub}@example.com"})
        )
        session = repos.chat.create_session(sub, ChatSessionCreate(title=f"chat of {sub}"))
        sessions[sub] = session.session_id
        for m in range(3):
            repos.chat.append_message(
                sub, session.session_id, MessageCreate(content=f"hello {m} from {sub}")
            )
        doc = repos.documents.create(
            sub,
            DocumentCreate(file_name=f"notes-{n}.txt", file_type="text/plain", file_size=10),
            document_id=f"doc-{n}",
            s3_bucket=target.settings.bucket_name,
            s3_key=f"documents/{sub}/doc-{n}/original",
        )
        documents[sub] = doc.document_id
    group = repos.groups.create(GroupCreate(group_id="team", name="Team"), owner_id=subs[0])
    for sub in subs[1:]:
        repos.groups.add_member(group.group_id, sub)
    return Seeded(subs, group.group_id, sessions, documents)


def ingest_document(target: Target, user_id: str, document_id: str, text: str) -> None:
    """A ready document with its artifacts and vectors, made by the real ingestion pipeline."""
    from strata.documents.ledger import RepositoryLedger  # noqa: PLC0415
    from strata.documents.pipeline import IngestionPipeline, S3ObjectRef  # noqa: PLC0415
    from strata.search.local import LocalLexicalEmbedder  # noqa: PLC0415

    repos = target.repositories
    key = f"documents/{user_id}/{document_id}/original"
    repos.documents.create(
        user_id,
        DocumentCreate(file_name=f"{document_id}.txt", file_type="text/plain", file_size=len(text)),
        document_id=document_id,
        s3_bucket=target.settings.bucket_name,
        s3_key=key,
    )
    s3 = target.client("s3")
    s3.put_object(Bucket=target.settings.bucket_name, Key=key, Body=text.encode())
    pipeline = IngestionPipeline(
        ledger=RepositoryLedger(repos.documents),
        s3=s3,
        embedder=LocalLexicalEmbedder(target.settings.embedding_dimension),
        index=target.vector_index,
        settings=target.settings,
    )
    result = pipeline.ingest(S3ObjectRef(bucket=target.settings.bucket_name, key=key))
    assert result.status == "ready", result
