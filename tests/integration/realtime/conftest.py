"""The realtime API wired over moto (table, Cognito pool and its JWKS) with a recording sender
standing in for the management API, and the local extractive answer over a local index."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from local.events import websocket_event
from strata.assistant.responders import ExtractiveResponder, Passage, Reply
from strata.assistant.retrieval import RetrievalAssistant
from strata.assistant.types import HistoryTurn
from strata.clock import SystemClock
from strata.realtime.api import RealtimeApi
from strata.realtime.factory import wire_realtime
from strata.realtime.streaming import (
    ExtractiveStreamingResponder,
    StreamingAssistant,
    StreamingResponder,
)
from strata.realtime.tokens import IdTokenVerifier, issuer
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.service import SearchService
from strata.store.factory import Repositories, repositories_for
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from tests.support.moto_server import MotoServer
from tests.support.realtime import RecordingSender
from tests.support.settings import make_settings
from tests.unit.search.builders import DIMENSION, chunk

PASSWORD = "Sup3r-Secret-Passw0rd!"


class SwitchableResponder:
    """The streaming responder the tests can swap (e.g. for one whose model fails)."""

    def __init__(self, current: StreamingResponder) -> None:
        self.current = current

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        memories: Sequence[str],
        history: Sequence[HistoryTurn],
    ) -> Iterator[str | Reply]:
        return self.current.stream(question, passages, memories, history)


@dataclass
class Pool:
    cognito: Any
    pool_id: str
    client_id: str
    jwks_url: str

    def user(self) -> tuple[str, str]:
        """A new user's ``sub`` and ID token."""
        email = f"u-{uuid.uuid4().hex[:8]}@example.com"
        created = self.cognito.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True
        )
        auth = self.cognito.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        sub = next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
        return str(sub), str(auth["AuthenticationResult"]["IdToken"])


@dataclass
class Realtime:
    api: RealtimeApi
    sender: RecordingSender
    repos: Repositories
    pool: Pool
    index: LocalVectorIndex
    responder: SwitchableResponder

    def connect(self, token: str | None) -> tuple[str, dict[str, Any]]:
        connection_id = f"{uuid.uuid4().hex[:14]}AMCFXQ="
        query = {"token": token} if token is not None else None
        return connection_id, self.api.handle(
            websocket_event("CONNECT", connection_id, query=query)
        )

    def send(self, connection_id: str, frame: dict[str, Any] | str) -> list[dict[str, Any]]:
        body = frame if isinstance(frame, str) else json.dumps(frame)
        before = len(self.sender.frames.get(connection_id, []))
        self.api.handle(websocket_event("MESSAGE", connection_id, body=body))
        return self.sender.frames.get(connection_id, [])[before:]


@pytest.fixture(scope="module")
def pool(moto_server: MotoServer) -> Pool:
    cognito = moto_server.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"realtime-{uuid.uuid4().hex[:6]}")["UserPool"][
        "Id"
    ]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return Pool(
        cognito, pool_id, client_id, f"{moto_server.endpoint}/{pool_id}/.well-known/jwks.json"
    )


@pytest.fixture
def realtime(moto_server: MotoServer, main_table: str, pool: Pool) -> Realtime:
    settings = make_settings(table_name=main_table)
    clock = SystemClock()
    table = Table(moto_server.client("dynamodb"), main_table, TokenSigner(b"k" * 32), clock)
    index = LocalVectorIndex(dimension=DIMENSION)
    search = SearchService(LocalLexicalEmbedder(DIMENSION), index)
    sender = RecordingSender()
    responder = SwitchableResponder(ExtractiveStreamingResponder())
    api = wire_realtime(
        table=table,
        clock=clock,
        verifier=IdTokenVerifier(pool.jwks_url, issuer("us-east-1", pool.pool_id), pool.client_id),
        assistant=StreamingAssistant(RetrievalAssistant(search, ExtractiveResponder()), responder),
        sender=sender,
    )
    return Realtime(api, sender, repositories_for(table, clock, settings), pool, index, responder)


def policy_chunks(user_id: str) -> list[Any]:
    return [
        chunk(user_id, "doc-hr", 0, "Employees get 25 days of paid vacation per year.", page=2),
        chunk(user_id, "doc-hr", 1, "Expense reports are due on the fifth working day."),
    ]
