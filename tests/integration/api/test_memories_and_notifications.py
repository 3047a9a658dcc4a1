"""/memories (indexed for search, degrading gracefully), /notifications and /admin."""

from __future__ import annotations

from typing import Any

import pytest

from strata.errors import Unavailable
from tests.integration.api.conftest import Api
from tests.support.events import Identity


def test_memories_are_saved_and_indexed(api: Api, alice: Identity, bob: Identity) -> None:
    body = {"type": "PREFERENCE", "content": "prefers metric units", "relevanceScore": 0.9}
    created = api.call("POST", "/memories", alice, body=body)
    assert created.status == 201
    memory_id = created.json()["memoryId"]
    assert api.index.memory_count(alice.sub) == 1
    path = f"/memories/{memory_id}"
    assert api.call("GET", path, bob).status == 404
    updated = api.call("PATCH", path, alice, body={"content": {"units": "metric"}})
    assert updated.json()["content"] == {"units": "metric"}
    stale = api.call("PATCH", path, alice, body={"relevanceScore": 0.1}, headers={"If-Match": "1"})
    assert stale.status == 409
    by_type = api.call("GET", "/memories", alice, query={"type": "PREFERENCE"}).json()
    assert [m["memoryId"] for m in by_type["items"]] == [memory_id]
    assert api.call("GET", "/memories", alice, query={"type": "FACT"}).json()["items"] == []
    assert api.call("DELETE", path, alice).status == 204
    assert api.index.memory_count(alice.sub) == 0
    assert api.call("GET", path, alice).status == 404
    assert api.reporter.reports == []


def test_memory_is_kept_when_indexing_fails(
    api: Api, alice: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an index that is down
    def down(*_: Any, **__: Any) -> None:
        raise Unavailable("index unavailable")

    monkeypatch.setattr(api.index, "put_memory", down)
    # When a memory is created
    response = api.call("POST", "/memories", alice, body={"type": "FACT", "content": "x"})
    # Then it is saved anyway, and the failure was reported
    assert response.status == 201
    assert api.call("GET", f"/memories/{response.json()['memoryId']}", alice).status == 200
    assert [operation for operation, _ in api.reporter.reports] == ["MemoryIndexing"]


def test_memory_validation(api: Api, alice: Identity) -> None:
    assert api.call("POST", "/memories", alice, body={"type": "NOPE", "content": "x"}).status == 422
    too_relevant = {"type": "FACT", "content": "x", "relevanceScore": 2}
    assert api.call("POST", "/memories", alice, body=too_relevant).status == 422


def test_notifications_to_a_user_and_a_group(
    api: Api, admin: Identity, alice: Identity, bob: Identity
) -> None:
    note = {"title": "Hello", "message": "Voice chat is available", "type": "INFO"}
    to_bob = {**note, "userId": bob.sub}
    assert api.call("POST", "/admin/notifications", alice, body=to_bob).status == 403
    both = api.call(
        "POST", "/admin/notifications", admin, body={**note, "userId": bob.sub, "groupId": "g"}
    )
    assert both.status == 422
    missing = api.call("POST", "/admin/notifications", admin, body={**note, "userId": "nobody"})
    assert missing.status == 404
    # To one user
    sent = api.call("POST", "/admin/notifications", admin, body={**note, "userId": alice.sub})
    assert sent.status == 201
    assert sent.json() == {"delivered": 1}
    # To a group: its creator (the admin) and alice
    api.call("POST", "/groups", admin, body={"groupId": "team", "name": "Team"})
    api.call("PUT", f"/groups/team/members/{alice.sub}", admin, body={})
    fan_out = api.call("POST", "/admin/notifications", admin, body={**note, "groupId": "team"})
    assert fan_out.json() == {"delivered": 2}
    # Alice reads, counts and dismisses hers
    assert api.call("GET", "/notifications/unread-count", alice).json() == {"unread": 2}
    items = api.call("GET", "/notifications", alice, query={"limit": 1}).json()
    assert items["nextToken"] is not None
    first = items["items"][0]["notificationId"]
    assert api.call("PATCH", f"/notifications/{first}", bob, body={"read": True}).status == 404
    read = api.call("PATCH", f"/notifications/{first}", alice, body={"read": True})
    assert read.json()["read"] is True
    assert api.call("PATCH", f"/notifications/{first}", alice, body={"read": False}).status == 422
    assert api.call("GET", "/notifications/unread-count", alice).json() == {"unread": 1}
    unread = api.call("GET", "/notifications", alice, query={"unreadOnly": "true"}).json()
    assert first not in [n["notificationId"] for n in unread["items"]]
    assert api.call("DELETE", f"/notifications/{first}", alice).status == 204
    assert api.call("DELETE", f"/notifications/{first}", alice).status == 404
    assert api.call("GET", "/notifications", bob).json()["items"] == []


def test_admin_stats(api: Api, admin: Identity, alice: Identity) -> None:
    document = {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 3}
    api.call("POST", "/documents", alice, body=document)
    api.repositories.users.record_login(alice.sub)
    api.call("POST", "/memories", alice, body={"type": "FACT", "content": "tea"})
    api.pump()
    assert api.call("GET", "/admin/stats", alice).status == 403
    with api.counting() as counter:
        stats = api.call("GET", "/admin/stats", admin).json()
    assert counter.by_operation == {"GetItem": 1}
    assert stats["users"] == 2
    assert stats["documentsByStatus"] == {"uploading": 1, "processing": 0, "ready": 0, "error": 0}
    assert stats["recentLogins"] == 1
    assert (stats["groups"], stats["applications"]) == (0, 0)
    assert (stats["sessions"], stats["messages"], stats["memories"]) == (0, 0, 1)


def test_memory_content_dynamodb_cannot_store_is_a_400(api: Api, alice: Identity) -> None:
    # Given memory content with a number below DynamoDB's range (a 500 schemathesis found)
    body = {"type": "FACT", "content": {"weight": 1.6e-226}}
    # When alice saves it, or patches a memory with it
    created = api.call("POST", "/memories", alice, body=body)
    memory = api.call("POST", "/memories", alice, body={"type": "FACT", "content": "tea"}).json()
    patched = api.call(
        "PATCH", f"/memories/{memory['memoryId']}", alice, body={"content": {"n": -1e130}}
    )
    # Then both are 400s naming the field, and only the good memory exists, unchanged
    assert (created.status, patched.status) == (400, 400)
    assert created.json()["error"]["details"]["fields"][0]["field"] == "content.weight"
    items = api.call("GET", "/memories", alice).json()["items"]
    assert [(m["memoryId"], m["content"]) for m in items] == [(memory["memoryId"], "tea")]
    assert api.index.memory_count(alice.sub) == 1
