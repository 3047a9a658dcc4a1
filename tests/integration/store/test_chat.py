"""Chat sessions by recency, messages in time order both ways, voice sessions, connections."""

from __future__ import annotations

from datetime import timedelta

import pytest

from strata.clock import ManualClock
from strata.errors import Conflict, NotFound
from strata.models import (
    ChatSessionCreate,
    ChatSessionUpdate,
    Citation,
    ClientType,
    MessageCreate,
    MessageRole,
    SessionStatus,
    TokenUsage,
    VoiceSessionCreate,
    VoiceSessionUpdate,
    VoiceStatus,
)
from strata.store.factory import Repositories
from tests.support.request_counter import RequestCounter


def test_sessions_are_listed_most_recently_active_first(
    repos: Repositories, clock: ManualClock
) -> None:
    # Given three sessions created a minute apart
    ids = []
    for title in ("first", "second", "third"):
        ids.append(repos.chat.create_session("u1", ChatSessionCreate(title=title)).session_id)
        clock.advance(timedelta(minutes=1))

    # When the first one gets a message
    repos.chat.append_message("u1", ids[0], MessageCreate(content="hello"))

    # Then it moves to the top; pages follow recency
    page = repos.chat.list_sessions("u1", limit=2)
    rest = repos.chat.list_sessions("u1", limit=2, next_token=page.next_token)
    assert [s.title for s in page.items + rest.items] == ["first", "third", "second"]
    assert repos.chat.list_sessions("u2").items == []


def test_session_update_and_versioning(repos: Repositories) -> None:
    session = repos.chat.create_session("u1", ChatSessionCreate(context={"topic": "weather"}))
    updated = repos.chat.update_session(
        "u1",
        session.session_id,
        ChatSessionUpdate(title="Weather", status=SessionStatus.ARCHIVED),
        expected_version=session.version,
    )
    assert (updated.title, updated.status, updated.context) == (
        "Weather",
        SessionStatus.ARCHIVED,
        {"topic": "weather"},
    )
    with pytest.raises(Conflict):
        repos.chat.update_session(
            "u1", session.session_id, ChatSessionUpdate(title="x"), expected_version=session.version
        )
    with pytest.raises(NotFound):
        repos.chat.get_session("u2", session.session_id)  # another user's key space


def test_messages_page_in_time_order_both_ways(repos: Repositories, clock: ManualClock) -> None:
    # Given twelve messages, several in the same millisecond
    session = repos.chat.create_session("u1", ChatSessionCreate())
    sent = []
    for n in range(12):
        role = MessageRole.USER if n % 2 == 0 else MessageRole.ASSISTANT
        sent.append(
            repos.chat.append_message(
                "u1", session.session_id, MessageCreate(role=role, content=f"message {n}")
            )
        )
        if n % 4 == 3:
            clock.advance(timedelta(seconds=1))

    def read_all(newest_first: bool) -> list[str]:
        contents: list[str] = []
        token = None
        while True:
            page = repos.chat.messages(
                "u1", session.session_id, limit=5, next_token=token, newest_first=newest_first
            )
            contents += [m.content for m in page.items]
            if (token := page.next_token) is None:
                return contents

    # Then forwards is the order sent, backwards its reverse, and the session counted them
    expected = [f"message {n}" for n in range(12)]
    assert read_all(newest_first=False) == expected
    assert read_all(newest_first=True) == expected[::-1]
    stored = repos.chat.get_session("u1", session.session_id)
    assert stored.message_count == 12
    assert stored.last_message_at == clock.now() - timedelta(seconds=1)  # the twelfth
    assert repos.chat.get_message("u1", session.session_id, sent[5].message_id) == sent[5]


def test_assistant_messages_keep_citations_and_token_usage(repos: Repositories) -> None:
    session = repos.chat.create_session("u1", ChatSessionCreate())
    message = repos.chat.append_message(
        "u1",
        session.session_id,
        MessageCreate(
            role=MessageRole.ASSISTANT,
            content="The report says 42.",
            citations=[
                Citation(
                    document_id="d1", chunk_id="d1:3", page=2, score=0.91, snippet="... 42 ..."
                )
            ],
            token_usage=TokenUsage(input_tokens=120, output_tokens=9),
        ),
    )
    stored = repos.chat.get_message("u1", session.session_id, message.message_id)
    assert stored.citations[0].score == 0.91
    assert stored.token_usage == TokenUsage(input_tokens=120, output_tokens=9)


def test_a_message_needs_its_session(repos: Repositories) -> None:
    with pytest.raises(NotFound):
        repos.chat.append_message("u1", "no-session", MessageCreate(content="hi"))
    assert repos.chat.messages("u1", "no-session").items == []


def test_deleting_a_session_deletes_its_history(repos: Repositories) -> None:
    session = repos.chat.create_session("u1", ChatSessionCreate())
    for n in range(30):
        repos.chat.append_message("u1", session.session_id, MessageCreate(content=f"m{n}"))
    repos.chat.create_voice_session("u1", session.session_id, VoiceSessionCreate())
    repos.chat.delete_session("u1", session.session_id)
    assert repos.chat.messages("u1", session.session_id).items == []
    assert repos.chat.voice_sessions("u1", session.session_id) == []
    with pytest.raises(NotFound):
        repos.chat.delete_session("u1", session.session_id)


def test_voice_sessions_live_in_their_chat_session(repos: Repositories, clock: ManualClock) -> None:
    session = repos.chat.create_session("u1", ChatSessionCreate())
    voice = repos.chat.create_voice_session(
        "u1",
        session.session_id,
        VoiceSessionCreate(connection_id="conn-1", nova_sonic_session_id="nova-789"),
    )
    assert voice.status is VoiceStatus.STARTING
    clock.advance(timedelta(seconds=95))
    ended = repos.chat.update_voice_session(
        "u1",
        session.session_id,
        voice.voice_session_id,
        VoiceSessionUpdate(
            status=VoiceStatus.ENDED,
            ended_at=clock.now(),
            duration_seconds=95.0,
            transcript="hello there",
        ),
    )
    assert (ended.status, ended.duration_seconds) == (VoiceStatus.ENDED, 95.0)
    assert repos.chat.get_voice_session("u1", session.session_id, voice.voice_session_id) == ended
    assert repos.chat.voice_sessions("u1", session.session_id) == [ended]
    with pytest.raises(NotFound):
        repos.chat.create_voice_session("u1", "missing", VoiceSessionCreate())
    with pytest.raises(NotFound):
        repos.chat.update_voice_session("u1", session.session_id, "nope", VoiceSessionUpdate())


def test_connections_expire_by_ttl(repos: Repositories, clock: ManualClock) -> None:
    # Given two connections of one user
    first = repos.connections.open("u1", "conn-1", client_type=ClientType.MOBILE)
    repos.connections.open("u1", "conn-2")
    assert first.expires_at == clock.now() + timedelta(hours=2)
    with pytest.raises(Conflict):
        repos.connections.open("u1", "conn-1")

    # When time passes and only one is refreshed
    clock.advance(timedelta(hours=1))
    repos.connections.touch("conn-2")
    clock.advance(timedelta(hours=1, minutes=30))

    # Then the stale one reads as gone even before DynamoDB's TTL sweep removes it
    assert [c.connection_id for c in repos.connections.for_user("u1")] == ["conn-2"]
    with pytest.raises(NotFound):
        repos.connections.get("conn-1")
    with pytest.raises(NotFound):
        repos.connections.touch("conn-1")
    repos.connections.close("conn-2")
    repos.connections.close("conn-2")
    assert repos.connections.for_user("u1") == []


def test_a_session_started_with_its_first_message_is_one_transaction(
    repos: Repositories,
) -> None:
    # When a session is started with its first message
    with RequestCounter(repos.table.client) as counts:
        session, message = repos.chat.start_session(
            "u1", ChatSessionCreate(title="Herons"), MessageCreate(content="where?")
        )
    # Then both were written by one TransactWriteItems (both or neither), the session counting
    # the message
    assert dict(counts.by_operation) == {"TransactWriteItems": 1}
    stored = repos.chat.get_session("u1", session.session_id)
    assert (stored.title, stored.message_count, stored.version) == ("Herons", 1, 1)
    assert stored.last_message_at == message.created_at
    assert [m.message_id for m in repos.chat.messages("u1", session.session_id).items] == [
        message.message_id
    ]
    listed = repos.chat.list_sessions("u1").items
    assert [s.session_id for s in listed] == [session.session_id]
