"""The API through its real handler, against moto (DynamoDB, S3, Cognito), with the local
embedder and vector index and a scriptable assistant.

``api`` wires the services to fresh resources, installs them through the resolver's
``dependency_overrides`` and calls ``lambdas.api.handler.handler`` with events from
``tests.support.events``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from lambdas.api.dependencies import services as services_dependency
from lambdas.api.handler import app, handler
from lambdas.api.routes.search import search_service
from strata.assistant.types import Answer, Citation, HistoryTurn
from strata.auth.directory import CognitoDirectory
from strata.clock import SystemClock
from strata.config import Settings
from strata.documents.uploads import DocumentUploads
from strata.errors import StrataError
from strata.events.reactor import StreamReactor, wire_reactor
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.service import SearchService
from strata.services.factory import Services, wire_services
from strata.store.factory import Repositories, build_table, repositories_for
from tests.support.dynamodb_stream import StreamTap
from tests.support.events import (
    ApiResponse,
    Identity,
    LambdaContextStub,
    api_event,
    parse_response,
)
from tests.support.moto_server import MotoServer
from tests.support.request_counter import RequestCounter
from tests.support.settings import make_settings

DIMENSION = 256


@dataclass
class ScriptedAssistant:
    """An ``Assistant`` that answers with a fixed citation, or raises what it is told to."""

    failure: StrataError | None = None
    questions: list[tuple[str, str, list[HistoryTurn]]] = field(default_factory=list)

    def answer(self, user_id: str, question: str, history: Sequence[HistoryTurn]) -> Answer:
        self.questions.append((user_id, question, list(history)))
        if self.failure is not None:
            raise self.failure
        return Answer(
            text=f"About {question!r}: see [1].",
            citations=(
                Citation(
                    documentId="doc-1",
                    chunkId="doc-1:0",
                    fileName="notes.txt",
                    page=1,
                    snippet="the relevant passage",
                    score=0.87,
                ),
            ),
            inputTokens=120,
            outputTokens=30,
            model="scripted",
        )


@dataclass
class RecordingReporter:
    reports: list[tuple[str, Exception]] = field(default_factory=list)

    def report(self, operation: str, error: Exception) -> None:
        self.reports.append((operation, error))


@dataclass
class Api:
    """The wired API and handles on what stands behind it."""

    services: Services
    repositories: Repositories
    settings: Settings
    dynamodb: Any
    s3: Any
    cognito: Any
    pool_id: str
    index: LocalVectorIndex
    assistant: ScriptedAssistant
    reporter: RecordingReporter
    stream: StreamTap
    reactor: StreamReactor

    def pump(self) -> None:
        """Let the streams function's reactions catch up with every write so far."""
        for record in self.stream.take():
            self.reactor.handle_record(record)

    def call(
        self,
        method: str,
        path: str,
        identity: Identity | None = None,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        event = api_event(method, path, identity=identity, body=body, query=query, headers=headers)
        return parse_response(handler(event, LambdaContextStub()))

    def counting(self) -> RequestCounter:
        return RequestCounter(self.dynamodb)

    def account(self, *groups: str) -> Identity:
        """A confirmed Cognito account (it has signed in once), with no profile yet."""
        email = f"user-{uuid.uuid4().hex[:10]}@example.com"
        sub = CognitoDirectory(self.cognito, self.pool_id).create_user(email)
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=sub, Password="Correct-Horse-9!", Permanent=True
        )
        return Identity(sub=sub, email=email, groups=tuple(groups))

    def user(self, *groups: str) -> Identity:
        """A confirmed Cognito user with a profile (as the sign-up trigger would leave them)."""
        identity = self.account(*groups)
        assert self.call("GET", "/me", identity).status == 200
        return identity


@dataclass(frozen=True)
class SharedResources:
    """A bucket and a user pool for the whole session; every test uses fresh users and ids."""

    bucket: str
    pool_id: str


@pytest.fixture(scope="session")
def shared_resources(moto_server: MotoServer) -> SharedResources:
    bucket = f"strata-test-docs-{uuid.uuid4().hex[:8]}"
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    pool_id = moto_server.client("cognito-idp").create_user_pool(
        PoolName=f"strata-test-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"]
    )["UserPool"]["Id"]
    return SharedResources(bucket=bucket, pool_id=pool_id)


@pytest.fixture
def api(
    moto_server: MotoServer, main_table: str, shared_resources: SharedResources
) -> Iterator[Api]:
    settings = make_settings(
        table_name=main_table,
        bucket_name=shared_resources.bucket,
        token_secret="integration-tests-token-secret",
        embedder="local",
        vector_index="local",
        responder="extractive",
        embedding_dimension=DIMENSION,
        max_upload_bytes=1024 * 1024,
    )
    pool_id = shared_resources.pool_id
    dynamodb = moto_server.client("dynamodb")
    s3 = moto_server.client("s3")
    cognito = moto_server.client("cognito-idp")
    clock = SystemClock()
    index = LocalVectorIndex(dimension=DIMENSION)
    assistant = ScriptedAssistant()
    reporter = RecordingReporter()
    table = build_table(settings, client=dynamodb, clock=clock)
    repositories = repositories_for(table, clock, settings)
    services = wire_services(
        settings=settings,
        repositories=repositories,
        directory=CognitoDirectory(cognito, pool_id),
        uploads=DocumentUploads(s3, settings.bucket_name, settings.upload_url_expiry_seconds),
        embedder=LocalLexicalEmbedder(DIMENSION),
        index=index,
        assistant=assistant,
        clock=clock,
        reporter=reporter,
    )
    search = SearchService(LocalLexicalEmbedder(DIMENSION), index)
    app.dependency_overrides[services_dependency] = lambda: services
    app.dependency_overrides[search_service] = lambda: search
    try:
        yield Api(
            services,
            repositories,
            settings,
            dynamodb,
            s3,
            cognito,
            pool_id,
            index,
            assistant,
            reporter,
            StreamTap(moto_server, main_table),
            wire_reactor(
                repositories=repositories,
                embedder=LocalLexicalEmbedder(DIMENSION),
                index=index,
                uploads=DocumentUploads(s3, settings.bucket_name, 900),
            ),
        )
    finally:
        app.dependency_overrides.pop(services_dependency, None)
        app.dependency_overrides.pop(search_service, None)


@pytest.fixture
def admin(api: Api) -> Identity:
    return api.user("ADMIN")


@pytest.fixture
def alice(api: Api) -> Identity:
    return api.user("GENERAL")


@pytest.fixture
def bob(api: Api) -> Identity:
    return api.user("GENERAL")
