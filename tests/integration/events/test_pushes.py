"""Pushes from the stream: a notification, a document reaching ready/error and an appended
message reach every live connection of their owner, never another user's; a gone connection is
deleted on the next push; nothing is pushed without a realtime endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from strata.documents.uploads import DocumentUploads
from strata.events.changes import change_from_record
from strata.events.reactor import StreamReactor, wire_reactor
from strata.models import ChatSessionCreate, DocumentCreate, DocumentStatus, MessageCreate
from strata.models.notifications import NotificationCreate
from strata.realtime.factory import build_pusher
from strata.realtime.push import Pusher
from strata.schema import STREAM_ENTITIES
from strata.search.local import LocalLexicalEmbedder
from tests.integration.events.conftest import Platform
from tests.support.realtime import RecordingMetrics, RecordingSender
from tests.support.settings import make_settings

ALICE, BOB = "user-alice", "user-bob"


class Pushing:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.sender = RecordingSender()
        self.metrics = RecordingMetrics()
        repos = platform.repos
        self.reactor: StreamReactor = wire_reactor(
            repositories=repos,
            embedder=LocalLexicalEmbedder(256),
            index=platform.index,
            uploads=DocumentUploads(platform.s3, platform.settings.bucket_name, 900),
            pusher=Pusher(repos.connections, self.sender, self.metrics),
        )
        for user, connection in ((ALICE, "alice-1"), (ALICE, "alice-2="), (BOB, "bob-1")):
            repos.connections.open(user, connection)
        platform.tap.take()

    def pump(self) -> None:
        """Feed every new record to the reactor (twice over: the notification it writes too)."""
        for _ in range(2):
            for record in self.platform.tap.take():
                self.reactor.handle_record(record)

    def frames(self, connection_id: str, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.sender.frames.get(connection_id, []) if f["type"] == kind]


@pytest.fixture
def pushing(platform: Platform) -> Pushing:
    return Pushing(platform)


def new_document(platform: Platform, document_id: str) -> None:
    platform.repos.documents.create(
        ALICE,
        DocumentCreate(file_name="birds.txt", file_type="text/plain", file_size=9),
        document_id=document_id,
        s3_bucket=platform.settings.bucket_name,
        s3_key=f"documents/{ALICE}/{document_id}/original",
    )


def test_a_ready_document_and_its_notification_reach_every_connection_of_the_owner_only(
    pushing: Pushing, platform: Platform
) -> None:
    # Given Alice's document being processed
    new_document(platform, "doc-birds")
    platform.repos.documents.transition(ALICE, "doc-birds", DocumentStatus.PROCESSING)
    pushing.pump()
    assert pushing.sender.frames == {}
    # When it becomes ready
    platform.repos.documents.transition(ALICE, "doc-birds", DocumentStatus.READY)
    pushing.pump()
    # Then both of Alice's connections get the document frame and the notification
    for connection in ("alice-1", "alice-2="):
        (document,) = pushing.frames(connection, "document")
        assert (document["documentId"], document["status"], document["seq"]) == (
            "doc-birds",
            "ready",
            0,
        )
        (note,) = pushing.frames(connection, "notification")
        assert note["notification"]["title"] == "Document ready"
        assert note["notification"]["userId"] == ALICE
    # And Bob gets nothing
    assert "bob-1" not in pushing.sender.frames
    assert pushing.metrics.counts["PushesDelivered"] == 4
    assert pushing.metrics.counts["PushFailures"] == 0


def test_a_failed_document_pushes_error_with_the_reason(
    pushing: Pushing, platform: Platform
) -> None:
    new_document(platform, "doc-bad")
    platform.repos.documents.transition(
        ALICE, "doc-bad", DocumentStatus.ERROR, error_message="the file is damaged"
    )
    pushing.pump()
    (document,) = pushing.frames("alice-1", "document")
    assert (document["status"], document["errorMessage"]) == ("error", "the file is damaged")


def test_an_appended_message_reaches_the_owners_devices(
    pushing: Pushing, platform: Platform
) -> None:
    session = platform.repos.chat.create_session(ALICE, ChatSessionCreate())
    message = platform.repos.chat.append_message(
        ALICE, session.session_id, MessageCreate(content="sent from my phone")
    )
    pushing.pump()
    for connection in ("alice-1", "alice-2="):
        (frame,) = pushing.frames(connection, "message")
        assert (frame["sessionId"], frame["messageId"], frame["content"]) == (
            session.session_id,
            message.message_id,
            "sent from my phone",
        )
    assert "bob-1" not in pushing.sender.frames


def test_a_gone_connection_is_deleted_on_the_next_push_and_a_failure_is_counted(
    pushing: Pushing, platform: Platform
) -> None:
    # Given one of Alice's connections closed without $disconnect, and Bob's failing
    pushing.sender.gone.add("alice-2=")
    pushing.sender.broken.add("bob-1")
    # When a notification is created for each of them
    for user in (ALICE, BOB):
        platform.repos.notifications.create(user, NotificationCreate(title="Hi", message="hello"))
    pushing.pump()
    # Then the gone connection is deleted, the live one got the frame, the failure is counted
    assert [c.connection_id for c in platform.repos.connections.for_user(ALICE)] == ["alice-1"]
    assert len(pushing.frames("alice-1", "notification")) == 1
    assert [c.connection_id for c in platform.repos.connections.for_user(BOB)] == ["bob-1"]
    assert pushing.metrics.counts["PushFailures"] == 1


def test_no_realtime_endpoint_means_no_pusher() -> None:
    assert build_pusher(make_settings(realtime_endpoint="")) is None


def test_a_notification_record_writes_nothing_the_stream_reacts_to(
    pushing: Pushing, platform: Platform
) -> None:
    # Given a notification (its insert, read and expiry all reach the function)
    note = platform.repos.notifications.create(ALICE, NotificationCreate(title="Hi", message="x"))
    platform.repos.notifications.mark_read(ALICE, note.notification_id)
    # When its records are handled
    for record in platform.tap.take():
        pushing.reactor.handle_record(record)
    # Then nothing the stream reacts to was written (no feedback loop), and it was pushed once
    written = {str(change.entity) for change in map(change_from_record, platform.tap.take())}
    assert not written & set(STREAM_ENTITIES)
    assert len(pushing.frames("alice-1", "notification")) == 1


def test_a_gone_connection_that_cannot_be_deleted_is_counted_and_the_record_succeeds(
    pushing: Pushing, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a gone connection, and a function that may not delete it (a missing permission)
    pushing.sender.gone.add("alice-2=")

    def refused(connection_id: str) -> None:
        raise PermissionError("AccessDeniedException: dynamodb:DeleteItem")

    monkeypatch.setattr(platform.repos.connections, "close", refused)
    platform.repos.notifications.create(ALICE, NotificationCreate(title="Hi", message="hello"))
    # When the record is handled, it does not raise (no retry, no second push)
    pushing.pump()
    # Then the live connection got the frame and the failure is counted
    assert len(pushing.frames("alice-1", "notification")) == 1
    assert pushing.metrics.counts["PushFailures"] == 1
