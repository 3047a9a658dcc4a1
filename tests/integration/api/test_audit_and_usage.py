"""The audit trail and usage the streams function keeps, read through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strata.store import keys
from tests.integration.api.conftest import Api
from tests.support.events import Identity

REST_APP = {"name": "Weather", "type": "REST", "config": {"endpoint": "https://w.example.com"}}


def test_api_writes_name_their_caller_in_the_audit_trail(
    api: Api, admin: Identity, alice: Identity
) -> None:
    # Given alice saves a memory and changes it through the API
    memory = api.call("POST", "/memories", alice, body={"type": "FACT", "content": "tea"}).json()
    memory_id = memory["memoryId"]
    api.call("PATCH", f"/memories/{memory_id}", alice, body={"content": "green tea"})
    # Then the item records her as its last writer
    stored = api.repositories.table.get(keys.memory(alice.sub, memory_id))
    assert stored is not None
    assert stored["updatedBy"] == alice.sub
    # When the stream has been handled
    api.pump()
    # Then the memory's history names her for both writes, newest first, without its content
    query = {"entity": "MEMORY", "id": memory_id}
    history = api.call("GET", "/admin/audit", admin, query=query).json()
    assert [(e["action"], e["actorId"]) for e in history["items"]] == [
        ("memory.updated", alice.sub),
        ("memory.created", alice.sub),
    ]
    assert history["items"][0]["details"]["changed"] == ["content"]
    assert "green tea" not in str(history)
    # And pages follow nextToken
    first = api.call("GET", "/admin/audit", admin, query={**query, "limit": 1}).json()
    assert len(first["items"]) == 1
    rest = api.call(
        "GET", "/admin/audit", admin, query={**query, "nextToken": first["nextToken"]}
    ).json()
    assert [e["action"] for e in rest["items"]] == ["memory.created"]
    # And today's trail holds them too
    today = datetime.now(UTC).date().isoformat()
    day = api.call("GET", "/admin/audit", admin, query={"day": today, "limit": 100}).json()
    assert {e["entityId"] for e in day["items"]} >= {memory_id}
    # While only admins read it, and a half-asked question is a 400
    assert api.call("GET", "/admin/audit", alice, query=query).status == 403
    assert api.call("GET", "/admin/audit", admin, query={"entity": "MEMORY"}).status == 400
    both = {**query, "day": today}
    assert api.call("GET", "/admin/audit", admin, query=both).status == 400


def test_usage_of_an_application_per_day_for_its_groups_and_per_user(
    api: Api, admin: Identity
) -> None:
    # Given an application granted to a group alice belongs to, and bob outside it
    alice = api.user("team")
    bob = api.user("GENERAL")
    assert api.call("POST", "/groups", admin, body={"groupId": "team", "name": "T"}).status == 201
    assert api.call("PUT", f"/groups/team/members/{alice.sub}", admin, body={}).status == 200
    app_id = api.call("POST", "/applications", admin, body=REST_APP).json()["appId"]
    assert api.call("PUT", f"/applications/{app_id}/grants/team", admin).status in (200, 201)
    # When alice asks through it, and the assistant answers (its reply carries tokens)
    session = api.call("POST", "/sessions", alice, body={"title": "w"}).json()["sessionId"]
    body = {"content": "forecast?", "metadata": {"appId": app_id}, "respond": True}
    assert api.call("POST", f"/sessions/{session}/messages", alice, body=body).status == 201
    api.pump()
    # Then the application's day counts both messages and the reply's tokens, for its group's
    # members and for admins
    today = datetime.now(UTC).date()
    expected = [(today.isoformat(), 2, 120, 30)]
    for who in (alice, admin):
        report = api.call("GET", f"/applications/{app_id}/usage", who).json()
        assert [
            (d["day"], d["messageCount"], d["inputTokens"], d["outputTokens"])
            for d in report["days"]
        ] == expected
    # And alice's own usage too, while bob has none and cannot see the application's
    mine = api.call("GET", "/me/usage", alice).json()
    assert [(d["day"], d["messageCount"], d["inputTokens"]) for d in mine["days"]] == [
        (today.isoformat(), 2, 120)
    ]
    assert api.call("GET", "/me/usage", bob).json()["days"] == []
    assert api.call("GET", f"/applications/{app_id}/usage", bob).status == 404
    # And a range is inclusive, bounded and in order
    yesterday = (today - timedelta(days=1)).isoformat()
    before = {"from": yesterday, "to": yesterday}
    assert api.call("GET", "/me/usage", alice, query=before).json()["days"] == []
    backwards = {"from": today.isoformat(), "to": yesterday}
    assert api.call("GET", "/me/usage", alice, query=backwards).status == 400
    too_long = {"from": "2020-01-01", "to": today.isoformat()}
    assert api.call("GET", "/me/usage", alice, query=too_long).status == 400
