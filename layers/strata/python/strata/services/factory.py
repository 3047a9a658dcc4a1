"""The services of the API, wired to their collaborators.

:func:`wire_services` takes every collaborator (tests and the local stack pass moto-backed or
in-memory ones); :func:`build_services` is the cached production wiring for ``Settings``, built
on the first request that needs it and reused by every later invocation of the container.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

from strata.assistant.types import Assistant
from strata.auth.directory import UserDirectory
from strata.clock import Clock
from strata.config import Settings
from strata.documents.uploads import DocumentUploads
from strata.lazy import OnFirstUse
from strata.search.types import Embedder, VectorIndex
from strata.services.access import CallerAccess
from strata.services.activity import AuditService, UsageService
from strata.services.applications import ApplicationService
from strata.services.degradation import DegradationReporter, LogAndCount
from strata.services.documents import DocumentService
from strata.services.erasure import UserErasure
from strata.services.exports import DataExportService
from strata.services.groups import GroupService
from strata.services.memories import MemoryService
from strata.services.notifications import NotificationService
from strata.services.sessions import SessionService
from strata.services.stats import StatsService
from strata.services.support import SupportService
from strata.services.users import UserService
from strata.store.factory import Repositories


@dataclass(frozen=True, repr=False)
class Services:
    """Every service of a function, wired once.

    Its ``repr`` names no service: Powertools logs a route's arguments at debug level on every
    request, formatted whether debug is enabled or not, and the default ``repr`` of the whole
    wiring costs a few microseconds to say nothing useful (``<... object at 0x...>`` each).
    """

    access: CallerAccess
    users: UserService
    groups: GroupService
    applications: ApplicationService
    sessions: SessionService
    documents: DocumentService
    memories: MemoryService
    notifications: NotificationService
    stats: StatsService
    audit: AuditService
    usage: UsageService
    support: SupportService
    exports: DataExportService

    def __repr__(self) -> str:
        return "Services()"


def wire_services(
    *,
    settings: Settings,
    repositories: Repositories,
    directory: UserDirectory,
    uploads: DocumentUploads,
    embedder: Embedder,
    index: VectorIndex,
    assistant: Assistant,
    clock: Clock,
    reporter: DegradationReporter,
) -> Services:
    r = repositories
    erasure = UserErasure(
        users=r.users,
        groups=r.groups,
        user_data=r.user_data,
        documents=r.documents,
        memories=r.memories,
        uploads=uploads,
        index=index,
        directory=directory,
    )
    applications = ApplicationService(r.applications, r.groups)
    access = CallerAccess(r.users, directory)
    return Services(
        access=access,
        users=UserService(r.users, r.groups, directory, erasure, access),
        groups=GroupService(r.groups, r.users, directory),
        applications=applications,
        sessions=SessionService(r.chat, assistant, clock),
        documents=DocumentService(r.documents, uploads, index, settings),
        memories=MemoryService(r.memories, embedder, index, reporter),
        notifications=NotificationService(r.notifications, r.users, r.groups),
        stats=StatsService(r.counters, clock),
        audit=AuditService(r.audit, clock),
        usage=UsageService(applications, r.applications, r.counters, clock),
        support=SupportService(r.chat, r.documents, r.memories),
        exports=DataExportService(r.user_data, clock),
    )


@lru_cache(maxsize=1)
def build_services(settings: Settings) -> Services:
    """Production wiring: boto3 clients (endpoints from boto3's own configuration), Bedrock or
    local search and answers as ``settings`` choose."""
    import boto3  # noqa: PLC0415 - only the first request that needs a service pays for it
    from botocore.config import Config  # noqa: PLC0415

    from strata.assistant.factory import build_assistant  # noqa: PLC0415
    from strata.auth.directory import CognitoDirectory  # noqa: PLC0415
    from strata.budget import budgeted  # noqa: PLC0415
    from strata.clock import SystemClock  # noqa: PLC0415
    from strata.documents.s3 import build_s3_client  # noqa: PLC0415
    from strata.search.factory import build_embedder, build_vector_index  # noqa: PLC0415
    from strata.store.factory import build_repositories  # noqa: PLC0415

    retries = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2)
    # Built by the first call that needs them (most requests need neither): SigV4, regional
    # virtual-hosted presigned URLs (strata.documents.s3); Cognito with standard retries.
    s3 = OnFirstUse(partial(build_s3_client, settings.region, max_attempts=3, connect_timeout=2))
    cognito = OnFirstUse(
        lambda: budgeted(boto3.client("cognito-idp", region_name=settings.region, config=retries))
    )
    return wire_services(
        settings=settings,
        repositories=build_repositories(settings),
        directory=CognitoDirectory(cognito, settings.user_pool_id),
        uploads=DocumentUploads(s3, settings.bucket_name, settings.upload_url_expiry_seconds),
        embedder=build_embedder(settings),
        index=build_vector_index(settings),
        assistant=build_assistant(settings),
        clock=SystemClock(),
        reporter=LogAndCount(),
    )
