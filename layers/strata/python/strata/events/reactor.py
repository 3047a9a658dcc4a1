"""The stream function's work: every reaction, run on every change of the main table.

Lambda retries a failed batch (bisected) and a replay may bring records already handled, so every
reaction is idempotent on the record: ids derived from the record (audit entries,
notifications), a marker written with the counters, values set from the current item (names), or
writes that converge by nature (vectors replaced, objects deleted).

:func:`wire_reactor` takes every collaborator; :func:`build_reactor` is the cached production
wiring for ``Settings``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from strata.config import Settings
from strata.documents.uploads import DocumentUploads
from strata.events.audit import AuditReaction
from strata.events.changes import Change, change_from_record
from strata.events.counters import Counters
from strata.events.documents import DocumentNotifications, DocumentVectors, MemoryVectors
from strata.events.names import DenormalizedNames
from strata.events.pushes import LivePushes
from strata.realtime.push import Pusher
from strata.schema import STREAM_ENTITIES
from strata.search.types import Embedder, VectorIndex
from strata.store.factory import Repositories

Reaction = Callable[[Change], None]
_REACTED = frozenset(STREAM_ENTITIES)


class StreamReactor:
    """Runs each reaction, in order, on each change; a failing reaction fails the record."""

    def __init__(self, reactions: Sequence[Reaction]) -> None:
        self._reactions = tuple(reactions)

    def handle_record(self, record: Mapping[str, Any]) -> None:
        """One stream record in Lambda's shape. A malformed one raises (reported as failed)."""
        self.react(change_from_record(record))

    def react(self, change: Change) -> None:
        if change.entity not in _REACTED:
            return  # the event filters keep these out; a record that slips through is ignored
        for reaction in self._reactions:
            reaction(change)


def wire_reactor(
    *,
    repositories: Repositories,
    embedder: Embedder,
    index: VectorIndex,
    uploads: DocumentUploads,
    pusher: Pusher | None = None,
) -> StreamReactor:
    """Every reaction; pushes to live connections only with a ``pusher`` (none: no realtime
    endpoint configured)."""
    r = repositories
    reactions: list[Reaction] = [
        AuditReaction(r.audit),
        Counters(r.counters, r.applications),
        DenormalizedNames(r.groups, r.applications),
        MemoryVectors(embedder, index),
        DocumentVectors(index, uploads),
        DocumentNotifications(r.notifications),
    ]
    if pusher is not None:
        reactions.append(LivePushes(pusher))
    return StreamReactor(reactions)


@lru_cache(maxsize=1)
def build_reactor(settings: Settings) -> StreamReactor:
    """Production wiring: the store, Bedrock or local embeddings, OpenSearch or local vectors,
    and S3 for leftovers of removed documents."""
    import secrets  # noqa: PLC0415 - built on the first batch, not at import

    from strata.clock import SystemClock  # noqa: PLC0415
    from strata.documents.s3 import build_s3_client  # noqa: PLC0415
    from strata.realtime.factory import build_pusher  # noqa: PLC0415
    from strata.search.factory import build_embedder, build_vector_index  # noqa: PLC0415
    from strata.store.factory import dynamodb_client, repositories_for  # noqa: PLC0415
    from strata.store.table import Table  # noqa: PLC0415
    from strata.store.tokens import TokenSigner  # noqa: PLC0415

    clock = SystemClock()
    # The function never hands out page tokens: a throwaway signing key spares a read of the
    # API's secret (one permission fewer).
    table = Table(
        dynamodb_client(settings.region),
        settings.table_name,
        TokenSigner(secrets.token_bytes(32)),
        clock,
    )
    s3 = build_s3_client(settings.region, max_attempts=3, connect_timeout=2, read_timeout=30)
    return wire_reactor(
        repositories=repositories_for(table, clock, settings),
        embedder=build_embedder(settings),
        index=build_vector_index(settings),
        uploads=DocumentUploads(s3, settings.bucket_name, settings.upload_url_expiry_seconds),
        pusher=build_pusher(settings),
    )
