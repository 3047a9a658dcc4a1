"""Production wiring of the store, built lazily once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import boto3
from botocore.config import Config

from strata.budget import budgeted
from strata.clock import Clock, SystemClock
from strata.config import Settings
from strata.store.applications import ApplicationRepository
from strata.store.audit import AuditRepository
from strata.store.chat import ChatRepository
from strata.store.connections import ConnectionRepository
from strata.store.counters import CounterRepository
from strata.store.documents import DocumentRepository
from strata.store.groups import GroupRepository
from strata.store.memories import MemoryRepository
from strata.store.migrations import MigrationRepository
from strata.store.notifications import NotificationRepository
from strata.store.table import Table
from strata.store.tokens import SecretOnFirstUse, TokenSigner
from strata.store.user_data import UserDataRepository
from strata.store.users import UserRepository


@dataclass(frozen=True)
class Repositories:
    """Every repository, sharing one table wrapper and one clock."""

    table: Table
    users: UserRepository
    groups: GroupRepository
    applications: ApplicationRepository
    chat: ChatRepository
    connections: ConnectionRepository
    documents: DocumentRepository
    memories: MemoryRepository
    notifications: NotificationRepository
    audit: AuditRepository
    counters: CounterRepository
    user_data: UserDataRepository
    migrations: MigrationRepository


def dynamodb_client(region: str) -> Any:
    """The low-level client: standard retry mode (throttling backoff), short timeouts.

    The endpoint follows boto3's own configuration (``AWS_ENDPOINT_URL_DYNAMODB`` points the
    local stack at its emulator).
    """
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=2,
        read_timeout=5,
        tcp_keepalive=True,
    )
    # Each attempt is bounded by the invocation's deadline (strata.budget).
    return budgeted(boto3.client("dynamodb", region_name=region, config=config))


def token_secret(settings: Settings) -> str:
    """The pagination signing key: from settings, else from the SSM SecureString it names."""
    if settings.token_secret:
        return settings.token_secret
    if settings.token_secret_parameter:
        ssm = boto3.client("ssm", region_name=settings.region)
        response = ssm.get_parameter(Name=settings.token_secret_parameter, WithDecryption=True)
        return str(response["Parameter"]["Value"])
    raise RuntimeError("set STRATA_TOKEN_SECRET or STRATA_TOKEN_SECRET_PARAMETER")


def repositories_for(table: Table, clock: Clock, settings: Settings) -> Repositories:
    """Every repository on ``table`` (tests and the local stack pass their own table)."""
    return Repositories(
        table=table,
        users=UserRepository(table, clock),
        groups=GroupRepository(table, clock),
        applications=ApplicationRepository(table, clock),
        chat=ChatRepository(table, clock),
        connections=ConnectionRepository(table, clock),
        documents=DocumentRepository(table, clock),
        memories=MemoryRepository(table, clock),
        notifications=NotificationRepository(table, clock, ttl_days=settings.notification_ttl_days),
        audit=AuditRepository(table, clock, retention_days=settings.audit_retention_days),
        counters=CounterRepository(table, clock),
        user_data=UserDataRepository(table, clock),
        migrations=MigrationRepository(table, clock),
    )


def token_signer(settings: Settings) -> TokenSigner:
    """The pagination signer; a secret kept in SSM is read by the first token signed or checked
    (a request that pages nothing makes no SSM call). No secret configured at all stops here."""
    if settings.token_secret:
        return TokenSigner(settings.token_secret)
    if settings.token_secret_parameter:
        return SecretOnFirstUse(partial(token_secret, settings))
    return TokenSigner(token_secret(settings))  # raises: neither is set


def build_table(settings: Settings, *, client: Any = None, clock: Clock | None = None) -> Table:
    return Table(
        client if client is not None else dynamodb_client(settings.region),
        settings.table_name,
        token_signer(settings),
        clock or SystemClock(),
    )


@lru_cache(maxsize=4)
def build_repositories(settings: Settings) -> Repositories:
    """The process-wide repositories for ``settings`` (built on first use, then reused)."""
    clock = SystemClock()
    return repositories_for(build_table(settings, clock=clock), clock, settings)
