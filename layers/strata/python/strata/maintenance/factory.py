"""The production wiring of maintenance, built once per process on first use."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from strata.clock import Clock, SystemClock
from strata.config import Settings
from strata.documents.uploads import DocumentUploads
from strata.maintenance.objects import DocumentObjects
from strata.maintenance.policy import MaintenancePolicy
from strata.maintenance.sweeps import Maintenance
from strata.search.types import SweepableVectorIndex
from strata.services.vector_sweep import VectorSweepService
from strata.store.documents import DocumentRepository
from strata.store.memories import MemoryRepository
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from strata.store.users import UserRepository


def wire_maintenance(
    settings: Settings, *, table: Table, s3: Any, index: SweepableVectorIndex, clock: Clock
) -> Maintenance:
    """Maintenance over these collaborators (tests and the local stack pass their own)."""
    documents = DocumentRepository(table, clock)
    return Maintenance(
        documents=documents,
        users=UserRepository(table, clock),
        objects=DocumentObjects(s3, settings.bucket_name),
        uploads=DocumentUploads(s3, settings.bucket_name, settings.upload_url_expiry_seconds),
        index=index,
        vector_sweep=VectorSweepService(index, documents, MemoryRepository(table, clock), clock),
        policy=MaintenancePolicy.from_settings(settings),
        clock=clock,
    )


@lru_cache(maxsize=2)
def build_maintenance(settings: Settings) -> Maintenance:
    from strata.documents.factory import s3_client  # noqa: PLC0415
    from strata.search.factory import build_vector_index  # noqa: PLC0415
    from strata.store.factory import dynamodb_client  # noqa: PLC0415

    clock = SystemClock()
    # Maintenance never hands out page tokens: a throwaway signing key spares a read of the
    # API's secret (one permission fewer).
    table = Table(
        dynamodb_client(settings.region),
        settings.table_name,
        TokenSigner(secrets.token_bytes(32)),
        clock,
    )
    return wire_maintenance(
        settings,
        table=table,
        s3=s3_client(settings.region),
        index=build_vector_index(settings),
        clock=clock,
    )
