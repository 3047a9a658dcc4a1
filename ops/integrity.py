"""Data integrity: what the items say of each other, and of the vectors.

One parallel Scan of the table (1 request per 1 MB per segment) builds a picture; each check
then compares. ``--fix`` repairs only what is safe: counters are recounted, orphans (messages
of a deleted session, grants of a deleted application, vectors of a deleted document) are
deleted, stuck documents become ``error`` (their owner can upload again), and documents without
vectors are reindexed from their stored chunks and embeddings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ops.checks import Check, expect, failed, not_applicable
from ops.jsonl import scan_all
from ops.reindex import ReindexReport, reindexer
from ops.target import Target
from strata.clock import format_timestamp
from strata.errors import Conflict, NotFound
from strata.events.counters import COUNTED, documents_counter
from strata.models.base import parse
from strata.models.documents import Document, DocumentStatus
from strata.store import keys
from strata.store.codec import Item
from strata.store.counters import CounterRepository

AREA = "data"
STUCK = (DocumentStatus.UPLOADING.value, DocumentStatus.PROCESSING.value)


@dataclass
class Picture:
    sessions: dict[tuple[str, str], Item] = field(default_factory=dict)
    messages: dict[tuple[str, str], list[keys.ItemKey]] = field(default_factory=dict)
    groups: dict[str, Item] = field(default_factory=dict)
    members: Counter[str] = field(default_factory=Counter)
    applications: set[str] = field(default_factory=set)
    grants: list[tuple[str, str]] = field(default_factory=list)
    documents: dict[tuple[str, str], Item] = field(default_factory=dict)
    counted: Counter[str] = field(default_factory=Counter)  # what the stats item should say


def picture(target: Target, segments: int = 4) -> Picture:
    seen = Picture()
    for item in scan_all(target.bulk, segments):
        pk, sk, entity = str(item["PK"]), str(item["SK"]), item.get("entity")
        if str(entity) in COUNTED:
            seen.counted[COUNTED[str(entity)]] += 1
        if entity == "DOCUMENT":
            seen.counted[documents_counter(str(item.get("status")))] += 1
        if entity == "CHAT_SESSION":
            seen.sessions[(str(item["userId"]), str(item["sessionId"]))] = item
        elif entity == "CHAT_MESSAGE":
            session = (str(item["userId"]), str(item["sessionId"]))
            seen.messages.setdefault(session, []).append(keys.ItemKey(pk, sk))
        elif entity == "GROUP":
            seen.groups[str(item["groupId"])] = item
        elif entity == "GROUP_MEMBER":
            seen.members[str(item["groupId"])] += 1
        elif entity == "APPLICATION" or (pk.startswith("APP#") and sk == keys.METADATA):
            seen.applications.add(pk.removeprefix("APP#"))
        elif pk.startswith("GROUP#") and sk.startswith(keys.APP_PREFIX):
            seen.grants.append((pk.removeprefix("GROUP#"), sk.removeprefix(keys.APP_PREFIX)))
        elif entity == "DOCUMENT":
            seen.documents[(str(item["userId"]), str(item["documentId"]))] = item
    return seen


def integrity_checks(target: Target, *, stuck_after: timedelta) -> Iterator[Check]:
    seen = picture(target)
    yield _orphan_messages(target, seen)
    yield _orphan_grants(target, seen)
    yield _stats_item(target, seen)
    yield _member_counts(target, seen)
    yield _message_counts(target, seen)
    yield _stuck_documents(target, seen, stuck_after)
    yield from _vectors(target, seen)


def _orphan_messages(target: Target, seen: Picture) -> Check:
    orphans = [
        key
        for session, found in seen.messages.items()
        if session not in seen.sessions
        for key in found
    ]

    def fix() -> str:
        target.bulk.delete_keys(orphans)
        return f"deleted {len(orphans)} message(s)"

    return _outcome("messages without a session", orphans, fix)


def _orphan_grants(target: Target, seen: Picture) -> Check:
    orphans = [(g, a) for g, a in seen.grants if a not in seen.applications]

    def fix() -> str:
        target.bulk.delete_keys([keys.grant(g, a) for g, a in orphans])
        return f"deleted {len(orphans)} grant(s)"

    return _outcome("grants to missing applications", orphans, fix)


def _stats_item(target: Target, seen: Picture) -> Check:
    """The stream-kept stats item (``SYSTEM``/``STATS``) against the items: 1 GetItem.
    (``logins#<day>`` counts events, not items, and is not checked.)"""
    stored = CounterRepository(target.table, target.table.clock).stats()
    if not stored:
        return not_applicable(AREA, "platform counters", "no stats item yet")
    names = {*COUNTED.values(), *seen.counted} | {
        name for name in stored if name.startswith("documents#")
    }
    wrong = {n: seen.counted[n] for n in sorted(names) if stored.get(n, 0) != seen.counted[n]}

    def fix() -> str:
        target.bulk.patch(keys.STATS, set_values=dict(wrong))
        return f"recounted {len(wrong)} platform counter(s)"

    return _outcome("platform counters", wrong, fix)


def _member_counts(target: Target, seen: Picture) -> Check:
    wrong = {
        group_id: seen.members[group_id]
        for group_id, item in seen.groups.items()
        if int((item.get("stats") or {}).get("memberCount", 0)) != seen.members[group_id]
    }

    def fix() -> str:
        for group_id, count in wrong.items():
            target.bulk.patch(
                keys.group_metadata(group_id), set_values={"stats.memberCount": count}
            )
        return f"recounted {len(wrong)} group(s)"

    return _outcome("group member counts", wrong, fix)


def _message_counts(target: Target, seen: Picture) -> Check:
    wrong = {
        session: len(seen.messages.get(session, []))
        for session, item in seen.sessions.items()
        if int(item.get("messageCount", 0)) != len(seen.messages.get(session, []))
    }

    def fix() -> str:
        for (user_id, session_id), count in wrong.items():
            target.bulk.patch(
                keys.chat_session(user_id, session_id), set_values={"messageCount": count}
            )
        return f"recounted {len(wrong)} session(s)"

    return _outcome("session message counts", wrong, fix)


def _stuck_documents(target: Target, seen: Picture, stuck_after: timedelta) -> Check:
    cutoff = format_timestamp(target.table.clock.now() - stuck_after)
    stuck = [
        (user_id, document_id, str(item["status"]))
        for (user_id, document_id), item in seen.documents.items()
        if item.get("status") in STUCK and str(item.get("updatedAt", "")) < cutoff
    ]

    def fix() -> str:
        moved = 0
        for user_id, document_id, status in stuck:
            try:
                target.repositories.documents.transition(
                    user_id,
                    document_id,
                    DocumentStatus.ERROR,
                    error_message=f"stopped while {status}; upload the file again",
                )
                moved += 1
            except (Conflict, NotFound):
                continue  # it moved on meanwhile
        return f"{moved} document(s) marked error"

    return _outcome(f"documents stuck over {stuck_after}", stuck, fix)


def _vectors(target: Target, seen: Picture) -> Iterator[Check]:
    index: Any = target.vector_index
    if not hasattr(index, "document_vector_owners"):
        yield not_applicable(AREA, "vectors", "this index cannot list its vectors")
        return
    owners = set(index.document_vector_owners())
    orphans = sorted(owners - set(seen.documents))

    def fix_orphans() -> str:
        for user_id, document_id in orphans:
            index.delete_document(user_id, document_id)
        return f"deleted the vectors of {len(orphans)} document(s)"

    yield _outcome("vectors without a document", orphans, fix_orphans)
    bare = sorted(
        key
        for key, item in seen.documents.items()
        if item.get("status") == DocumentStatus.READY.value
        and key not in owners
        and int((item.get("metadata") or {}).get("chunkCount") or 1) > 0
    )

    def fix_bare() -> str:
        worker = reindexer(target, allow_embedding=False)
        report = ReindexReport()
        for key in bare:
            worker.reindex(parse(Document, seen.documents[key]), report)
        skipped = f"; skipped {report.skipped}" if report.skipped else ""
        return f"reindexed {report.documents} document(s){skipped}"

    yield _outcome("documents without vectors", bare, fix_bare)


def _outcome(name: str, found: Any, fix: Any) -> Check:
    if not found:
        return expect(AREA, name, True, "none")
    sample = list(found)[:3]
    return failed(AREA, name, f"{len(found)} found, e.g. {sample}", fix)
