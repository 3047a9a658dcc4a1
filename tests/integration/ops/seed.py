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
