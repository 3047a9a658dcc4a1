"""The production wiring of the WebSocket API and of pushes: pure ``wire_*`` functions over
their collaborators, and ``build_*`` factories cached per settings (one per container)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from strata.clock import Clock
from strata.config import Settings
from strata.realtime.api import RealtimeApi
from strata.realtime.push import FrameSender, Pusher, PushMetrics
from strata.realtime.service import ConnectionService, RealtimeChat
from strata.realtime.streaming import (
    BedrockStreamingResponder,
    ExtractiveStreamingResponder,
    StreamingAssistant,
    StreamingResponder,
)
from strata.realtime.tokens import IdTokenVerifier
from strata.store.chat import ChatRepository
from strata.store.connections import ConnectionRepository
from strata.store.table import Table


def wire_realtime(
    *,
    table: Table,
    clock: Clock,
    verifier: IdTokenVerifier,
    assistant: StreamingAssistant,
    sender: FrameSender,
) -> RealtimeApi:
    connections = ConnectionService(ConnectionRepository(table, clock), verifier)
    chat = RealtimeChat(connections, ChatRepository(table, clock), assistant, sender)
    return RealtimeApi(connections, chat)


def wire_pusher(*, table: Table, clock: Clock, sender: FrameSender, metrics: PushMetrics) -> Pusher:
    return Pusher(ConnectionRepository(table, clock), sender, metrics)


def build_management_client(settings: Settings) -> Any:
    """The ``apigatewaymanagementapi`` client of ``settings.realtime_endpoint``: short timeouts,
    standard retries, every attempt bounded by the invocation's deadline."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    from strata.budget import budgeted  # noqa: PLC0415

    if not settings.realtime_endpoint:
        raise RuntimeError("pushes need STRATA_REALTIME_ENDPOINT")
    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5
    )
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=settings.realtime_endpoint,
        region_name=settings.region,
        config=config,
    )
    return budgeted(client)


def build_streaming_responder(settings: Settings) -> StreamingResponder:
    if settings.responder == "extractive":
        return ExtractiveStreamingResponder()
    from strata.search.bedrock import build_bedrock_runtime_client  # noqa: PLC0415

    client = build_bedrock_runtime_client(settings.region, max_attempts=3)
    return BedrockStreamingResponder(client, settings.answer_model_id)


def _table(settings: Settings, clock: Clock) -> Table:
    import secrets  # noqa: PLC0415

    from strata.store.factory import dynamodb_client  # noqa: PLC0415
    from strata.store.tokens import TokenSigner  # noqa: PLC0415

    # These functions never hand out page tokens: a throwaway signing key spares a read of the
    # API's secret (one permission fewer).
    return Table(
        dynamodb_client(settings.region),
        settings.table_name,
        TokenSigner(secrets.token_bytes(32)),
        clock,
    )


@lru_cache(maxsize=2)
def build_realtime(settings: Settings) -> RealtimeApi:
    from strata.assistant.factory import build_assistant  # noqa: PLC0415
    from strata.clock import SystemClock  # noqa: PLC0415
    from strata.realtime.push import ManagementApiSender  # noqa: PLC0415

    clock = SystemClock()
    return wire_realtime(
        table=_table(settings, clock),
        clock=clock,
        verifier=IdTokenVerifier.for_settings(settings),
        assistant=StreamingAssistant(
            build_assistant(settings), build_streaming_responder(settings)
        ),
        sender=ManagementApiSender(build_management_client(settings)),
    )


@lru_cache(maxsize=2)
def build_pusher(settings: Settings) -> Pusher | None:
    """The streams function's pusher; None when ``realtime_endpoint`` is empty (no pushes)."""
    if not settings.realtime_endpoint:
        return None
    from strata.clock import SystemClock  # noqa: PLC0415
    from strata.realtime.push import ManagementApiSender, PowertoolsPushMetrics  # noqa: PLC0415

    clock = SystemClock()
    return wire_pusher(
        table=_table(settings, clock),
        clock=clock,
        sender=ManagementApiSender(build_management_client(settings)),
        metrics=PowertoolsPushMetrics(),
    )
