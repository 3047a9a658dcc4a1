"""A day's use of the platform through its real handlers, for the suites that need data made
the way users make it (fault injection, the restore drill).

``faulty`` wires the API, ingest and streams functions with their production factories on moto
(settings from ``STRATA_*``), every boto3 client they build hooked to a :class:`FaultInjector`
(disarmed until a suite arms it; it always stands in for Bedrock, which moto lacks).
:func:`run_workload` has users start chat sessions with a first question (``POST /sessions``
with ``message``: both stored in one transaction, then answered), and create and upload
documents, as a client that retries 429 and 503 does; :class:`Expected` is what they were told.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
import requests
from botocore.retries.standard import ExponentialBackoff

from lambdas.api.handler import handler
from strata.auth.directory import CognitoDirectory
from strata.search.factory import build_embedder
from tests.fixtures.documents import MARKDOWN
from tests.fixtures.ingestion import LambdaContextStub
from tests.integration.ingest.conftest import UploadBucket
from tests.reliability.faults import FaultInjector
from tests.reliability.frame import Reliability
from tests.reliability.platform import IngestPlatform, start_platform, stop_platform
from tests.support.events import ApiResponse, Identity, api_event, parse_response
from tests.support.moto_server import MotoServer

CLIENT_ATTEMPTS = 4
RETRYABLE = frozenset({429, 503})
APP = {
    "name": "Weather",
    "type": "REST",
    "config": {"endpoint": "https://weather.example.com/v1", "method": "GET"},
}


@dataclass
class FaultyPlatform:
    platform: IngestPlatform
    faults: FaultInjector
    directory: CognitoDirectory
    cognito: Any
    pool_id: str
    responses: Counter[int] = field(default_factory=Counter)
    gave_up: int = 0

    def account(self, *groups: str) -> Identity:
        """A Cognito user with a profile (created while no fault is armed)."""
        email = f"user-{uuid.uuid4().hex[:10]}@example.com"
        identity = Identity(sub=self.directory.create_user(email), email=email, groups=groups)
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id,
            Username=identity.sub,
            Password="Correct-Horse-9!",
            Permanent=True,
        )
        assert self.once("GET", "/me", identity).status == 200
        return identity

    def once(self, method: str, path: str, identity: Identity, body: Any = None) -> ApiResponse:
        event = api_event(method, path, identity=identity, body=body)
        response = parse_response(handler(event, LambdaContextStub()))
        self.responses[response.status] += 1
        return response

    def call(self, method: str, path: str, identity: Identity, body: Any = None) -> ApiResponse:
        """As a client does: a 429 or 503 is tried again, up to CLIENT_ATTEMPTS times, unless the
        error says the message was saved."""
        for _ in range(CLIENT_ATTEMPTS):
            response = self.once(method, path, identity, body)
            if response.status not in RETRYABLE or saved_message(response):
                return response
        self.gave_up += 1
        return response


def saved_message(response: ApiResponse) -> str | None:
    if response.status not in RETRYABLE:
        return None
    details = (response.json() or {}).get("error", {}).get("details", {})
    message_id = details.get("messageId")
    return str(message_id) if message_id else None


@pytest.fixture
def faulty(
    moto_server: MotoServer,
    main_table: str,
    upload_bucket: UploadBucket,
    monkeypatch: pytest.MonkeyPatch,
    reliability: Reliability,
) -> Iterator[FaultyPlatform]:
    # Retries wait no time (their number and outcome are what counts here, not their pacing)
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    # Every boto3 client the functions build from here on comes from a session with the hook
    faults = FaultInjector(reliability.seed, {})
    session = boto3.Session(region_name="us-east-1")
    faults.attach(session.events)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    cognito = moto_server.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=f"strata-faults-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"]
    )["UserPool"]["Id"]
    platform = start_platform(
        monkeypatch,
        moto_server,
        main_table,
        upload_bucket,
        {
            "STRATA_USER_POOL_ID": pool_id,
            "STRATA_EMBEDDER": "bedrock",
            "STRATA_RESPONDER": "bedrock",
            "STRATA_EMBEDDING_CONCURRENCY": "2",
        },
    )
    embedder = build_embedder(platform.settings)
    monkeypatch.setattr(embedder, "_sleep", lambda seconds: None)
    yield FaultyPlatform(platform, faults, CognitoDirectory(cognito, pool_id), cognito, pool_id)
    stop_platform()


@dataclass
class Expected:
    """What the clients were told, per entity."""

    sessions: dict[str, str] = field(default_factory=dict)  # session id -> user
    first_messages: dict[str, str] = field(default_factory=dict)  # session id -> message id
    replies: set[str] = field(default_factory=set)  # sessions whose answer arrived
    documents: dict[str, str] = field(default_factory=dict)  # document id -> user
    refused: int = 0  # requests the client gave up on (429/503 every time)


def run_workload(
    faulty: FaultyPlatform, users: list[Identity], app_id: str, sessions: int, documents: int
) -> Expected:
    expected = Expected()
    for user in users:
        for number in range(sessions):
            # A chat starts with its first question: the session and the question are stored
            # together (one transaction) or not at all, then the question is answered
            start = {
                "title": f"chat {number}",
                "message": {
                    "content": "Where do herons nest?",
                    "respond": True,
                    "metadata": {"appId": app_id},
                },
            }
            started = faulty.call("POST", "/sessions", user, start)
            if started.status == 201:
                session_id = started.json()["sessionId"]
                expected.first_messages[session_id] = started.json()["message"]["messageId"]
                expected.replies.add(session_id)
            elif message_id := saved_message(started):
                # Stored, but the answer failed: the error names the session and the message
                session_id = started.json()["error"]["details"]["sessionId"]
                expected.first_messages[session_id] = message_id
            else:
                assert started.status in RETRYABLE, started.raw_body
                expected.refused += 1
                continue
            expected.sessions[session_id] = user.sub
        for number in range(documents):
            file_name = f"guide-{number}.md"
            body = {
                "fileName": file_name,
                "fileType": "text/markdown",
                "fileSize": len(MARKDOWN.encode()),
            }
            created = faulty.call("POST", "/documents", user, body)
            if created.status != 201:
                assert created.status in RETRYABLE, created.raw_body
                expected.refused += 1
                continue
            upload = created.json()["upload"]
            posted = requests.post(
                upload["url"],
                data=upload["fields"],
                files={"file": (file_name, MARKDOWN.encode())},
                timeout=30,
            )
            assert posted.status_code in (200, 204), posted.text
            expected.documents[created.json()["document"]["documentId"]] = user.sub
    return expected


def scan(platform: IngestPlatform) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", endpoint_url=platform.server.endpoint).Table(
        platform.settings.table_name
    )
    items: list[dict[str, Any]] = []
    response = table.scan()
    items.extend(response["Items"])
    while "LastEvaluatedKey" in response:
        response = table.scan(ExclusiveStartKey=response["LastEvaluatedKey"])
        items.extend(response["Items"])
    return items
