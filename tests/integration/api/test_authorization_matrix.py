"""Every route x {owner, another user, admin, no claims}, generated from the resolver's routes,
and the DynamoDB requests each route's successful call sends (its access pattern, never a Scan).

The matrix states the rule of each route; a route the resolver knows but the matrix
does not name fails :func:`test_every_route_is_in_the_matrix`, so a new route cannot ship
without a decision about who may call it. ``PATTERNS`` is docs/API.md's request-cost table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest

from lambdas.api.handler import app
from strata.models import DocumentStatus
from tests.integration.api.conftest import Api
from tests.support.events import Identity


class Rule(Enum):
    PUBLIC = "anyone, even without a token"
    SIGNED_IN = "any signed-in user, on their own data"
    OWNER = "the owner only; others (admins too) find nothing"
    SELF_OR_ADMIN = "the user themself or an admin"
    MEMBER_OR_ADMIN = "members of the group or an admin"
    VISIBLE_OR_ADMIN = "users whose groups were granted the app, or an admin"
    ADMIN = "administrators only"


NONE, OWNER, OTHER, ADMIN = "no claims", "owner", "another user", "admin"

# What each caller gets under each rule (None = the route's success status).
OUTCOMES: dict[Rule, dict[str, int | None]] = {
    Rule.PUBLIC: {NONE: None, OWNER: None, OTHER: None, ADMIN: None},
    Rule.SIGNED_IN: {NONE: 401, OWNER: None, OTHER: None, ADMIN: None},
    Rule.OWNER: {NONE: 401, OTHER: 404, ADMIN: 404, OWNER: None},
    Rule.SELF_OR_ADMIN: {NONE: 401, OTHER: 403, OWNER: None, ADMIN: None},
    Rule.MEMBER_OR_ADMIN: {NONE: 401, OTHER: 403, OWNER: None, ADMIN: None},
    Rule.VISIBLE_OR_ADMIN: {NONE: 401, OTHER: 404, OWNER: None, ADMIN: None},
    Rule.ADMIN: {NONE: 401, OWNER: 403, OTHER: 403, ADMIN: None},
}

MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule.PUBLIC,
    ("GET", "/openapi.json"): Rule.PUBLIC,
    ("GET", "/swagger"): Rule.PUBLIC,
    ("GET", "/me"): Rule.SIGNED_IN,
    ("PATCH", "/me"): Rule.SIGNED_IN,
    ("GET", "/me/export"): Rule.SIGNED_IN,
    ("GET", "/users"): Rule.ADMIN,
    ("POST", "/users"): Rule.ADMIN,
    ("GET", "/users/{userId}"): Rule.SELF_OR_ADMIN,
    ("PATCH", "/users/{userId}"): Rule.SELF_OR_ADMIN,
    ("DELETE", "/users/{userId}"): Rule.ADMIN,
    ("GET", "/groups"): Rule.SIGNED_IN,
    ("POST", "/groups"): Rule.ADMIN,
    ("GET", "/groups/{groupId}"): Rule.SIGNED_IN,
    ("PATCH", "/groups/{groupId}"): Rule.ADMIN,
    ("DELETE", "/groups/{groupId}"): Rule.ADMIN,
    ("GET", "/groups/{groupId}/members"): Rule.MEMBER_OR_ADMIN,
    ("PUT", "/groups/{groupId}/members/{userId}"): Rule.ADMIN,
    ("DELETE", "/groups/{groupId}/members/{userId}"): Rule.ADMIN,
    ("GET", "/applications"): Rule.SIGNED_IN,
    ("POST", "/applications"): Rule.ADMIN,
    ("GET", "/applications/{appId}"): Rule.VISIBLE_OR_ADMIN,
    ("PATCH", "/applications/{appId}"): Rule.ADMIN,
    ("DELETE", "/applications/{appId}"): Rule.ADMIN,
    ("PUT", "/applications/{appId}/grants/{groupId}"): Rule.ADMIN,
    ("DELETE", "/applications/{appId}/grants/{groupId}"): Rule.ADMIN,
    ("GET", "/sessions"): Rule.SIGNED_IN,
    ("POST", "/sessions"): Rule.SIGNED_IN,
    ("GET", "/sessions/{sessionId}"): Rule.OWNER,
    ("PATCH", "/sessions/{sessionId}"): Rule.OWNER,
    ("DELETE", "/sessions/{sessionId}"): Rule.OWNER,
    ("GET", "/sessions/{sessionId}/messages"): Rule.OWNER,
    ("POST", "/sessions/{sessionId}/messages"): Rule.OWNER,
    ("POST", "/sessions/{sessionId}/voice"): Rule.OWNER,
    ("PATCH", "/sessions/{sessionId}/voice/{voiceId}"): Rule.OWNER,
    ("GET", "/documents"): Rule.SIGNED_IN,
    ("POST", "/documents"): Rule.SIGNED_IN,
    ("GET", "/documents/{documentId}"): Rule.OWNER,
    ("PATCH", "/documents/{documentId}"): Rule.OWNER,
    ("DELETE", "/documents/{documentId}"): Rule.OWNER,
    ("GET", "/documents/{documentId}/download"): Rule.OWNER,
    ("GET", "/memories"): Rule.SIGNED_IN,
    ("POST", "/memories"): Rule.SIGNED_IN,
    ("GET", "/memories/{memoryId}"): Rule.OWNER,
    ("PATCH", "/memories/{memoryId}"): Rule.OWNER,
    ("DELETE", "/memories/{memoryId}"): Rule.OWNER,
    ("GET", "/notifications"): Rule.SIGNED_IN,
    ("GET", "/notifications/unread-count"): Rule.SIGNED_IN,
    ("PATCH", "/notifications/{notificationId}"): Rule.OWNER,
    ("DELETE", "/notifications/{notificationId}"): Rule.OWNER,
    ("POST", "/admin/notifications"): Rule.ADMIN,
    ("GET", "/admin/stats"): Rule.ADMIN,
    ("GET", "/admin/audit"): Rule.ADMIN,
    ("GET", "/me/usage"): Rule.SIGNED_IN,
    ("GET", "/applications/{appId}/usage"): Rule.VISIBLE_OR_ADMIN,
    ("POST", "/search"): Rule.SIGNED_IN,
    ("GET", "/users/{userId}/sessions"): Rule.ADMIN,
    ("GET", "/users/{userId}/sessions/{sessionId}/messages"): Rule.ADMIN,
    ("GET", "/users/{userId}/documents"): Rule.ADMIN,
    ("GET", "/users/{userId}/memories"): Rule.ADMIN,
}

# DynamoDB requests of one successful call by the named caller (PATCHes send If-Match).
GSI_SHARDS = 4
PATTERNS: dict[tuple[str, str], tuple[str, dict[str, int]]] = {
    ("GET", "/health"): (OWNER, {}),
    ("GET", "/openapi.json"): (OWNER, {}),
    ("GET", "/swagger"): (OWNER, {}),
    ("GET", "/me"): (OWNER, {"GetItem": 1}),
    ("PATCH", "/me"): (OWNER, {"UpdateItem": 1}),
    # the footprint: partition, one session, memberships, connections, e-mail item
    ("GET", "/me/export"): (OWNER, {"Query": 4, "GetItem": 1}),
    ("GET", "/users"): (ADMIN, {"Query": GSI_SHARDS}),
    ("POST", "/users"): (ADMIN, {"GetItem": 1, "TransactWriteItems": 1}),
    ("GET", "/users/{userId}"): (OWNER, {"GetItem": 1}),
    ("PATCH", "/users/{userId}"): (OWNER, {"UpdateItem": 1}),
    # erasure of the world's owner: profile read, documents and memories listed, the footprint
    # (partition, one session, memberships, connections, e-mail item), one membership
    # transaction, one batch of deletes and the profile alone, last (so a rerun can finish)
    ("DELETE", "/users/{userId}"): (
        ADMIN,
        # + 1 UpdateItem (deactivated first) + 1 Query (groups owned, to hand over)
        {"GetItem": 2, "Query": 7, "UpdateItem": 1, "TransactWriteItems": 1, "BatchWriteItem": 2},
    ),
    ("GET", "/groups"): (OWNER, {"Query": 1}),
    ("POST", "/groups"): (ADMIN, {"TransactWriteItems": 1}),
    ("GET", "/groups/{groupId}"): (OWNER, {"GetItem": 1}),
    ("PATCH", "/groups/{groupId}"): (ADMIN, {"UpdateItem": 1}),
    ("DELETE", "/groups/{groupId}"): (
        ADMIN,
        {"GetItem": 1, "Query": 1, "BatchWriteItem": 1},
    ),
    ("GET", "/groups/{groupId}/members"): (OWNER, {"GetItem": 1, "Query": 1}),
    # the user is already a member: the add is refused by its condition, then read back
    ("PUT", "/groups/{groupId}/members/{userId}"): (ADMIN, {"GetItem": 3, "TransactWriteItems": 1}),
    ("DELETE", "/groups/{groupId}/members/{userId}"): (ADMIN, {"TransactWriteItems": 1}),
    ("GET", "/applications"): (OWNER, {"Query": 1, "BatchGetItem": 1}),
    ("POST", "/applications"): (ADMIN, {"PutItem": 1}),
    ("GET", "/applications/{appId}"): (OWNER, {"Query": 1, "BatchGetItem": 1}),
    ("PATCH", "/applications/{appId}"): (ADMIN, {"UpdateItem": 1}),
    ("DELETE", "/applications/{appId}"): (
        ADMIN,
        {"DeleteItem": 1, "Query": 1, "BatchWriteItem": 1},
    ),
    ("PUT", "/applications/{appId}/grants/{groupId}"): (
        ADMIN,
        {"GetItem": 1, "TransactWriteItems": 1},
    ),
    ("DELETE", "/applications/{appId}/grants/{groupId}"): (ADMIN, {"DeleteItem": 1}),
    ("GET", "/sessions"): (OWNER, {"Query": 1}),
    ("POST", "/sessions"): (OWNER, {"PutItem": 1}),
    ("GET", "/sessions/{sessionId}"): (OWNER, {"GetItem": 1}),
    ("PATCH", "/sessions/{sessionId}"): (OWNER, {"UpdateItem": 1}),
    ("DELETE", "/sessions/{sessionId}"): (
        OWNER,
        {"DeleteItem": 1, "Query": 1, "BatchWriteItem": 1},
    ),
    ("GET", "/sessions/{sessionId}/messages"): (OWNER, {"GetItem": 1, "Query": 1}),
    ("POST", "/sessions/{sessionId}/messages"): (OWNER, {"TransactWriteItems": 1}),
    ("POST", "/sessions/{sessionId}/voice"): (OWNER, {"TransactWriteItems": 1}),
    ("PATCH", "/sessions/{sessionId}/voice/{voiceId}"): (OWNER, {"UpdateItem": 1}),
    ("GET", "/documents"): (OWNER, {"Query": 1}),
    ("POST", "/documents"): (OWNER, {"PutItem": 1}),
    ("GET", "/documents/{documentId}"): (OWNER, {"GetItem": 1}),
    ("PATCH", "/documents/{documentId}"): (OWNER, {"UpdateItem": 1}),
    ("DELETE", "/documents/{documentId}"): (OWNER, {"GetItem": 1, "DeleteItem": 1}),
    ("GET", "/documents/{documentId}/download"): (OWNER, {"GetItem": 1}),
    ("GET", "/memories"): (OWNER, {"Query": 1}),
    ("POST", "/memories"): (OWNER, {"PutItem": 1}),
    ("GET", "/memories/{memoryId}"): (OWNER, {"GetItem": 1}),
    ("PATCH", "/memories/{memoryId}"): (OWNER, {"UpdateItem": 1}),
    ("DELETE", "/memories/{memoryId}"): (OWNER, {"DeleteItem": 1}),
    ("GET", "/notifications"): (OWNER, {"Query": 1}),
    ("GET", "/notifications/unread-count"): (OWNER, {"Query": 1}),
    ("PATCH", "/notifications/{notificationId}"): (OWNER, {"GetItem": 1, "UpdateItem": 1}),
    ("DELETE", "/notifications/{notificationId}"): (OWNER, {"DeleteItem": 1}),
    ("POST", "/admin/notifications"): (ADMIN, {"GetItem": 1, "PutItem": 1}),
    ("GET", "/admin/stats"): (ADMIN, {"GetItem": 1}),  # the stats item the stream keeps
    ("GET", "/admin/audit"): (ADMIN, {"Query": 4}),  # today's entries, one Query per shard
    ("GET", "/me/usage"): (OWNER, {"Query": 1}),
    # visibility (the group's grants, the apps) + the days
    ("GET", "/applications/{appId}/usage"): (OWNER, {"Query": 2, "BatchGetItem": 1}),
    ("POST", "/search"): (OWNER, {}),
    ("GET", "/users/{userId}/sessions"): (ADMIN, {"Query": 1}),
    ("GET", "/users/{userId}/sessions/{sessionId}/messages"): (ADMIN, {"GetItem": 1, "Query": 1}),
    ("GET", "/users/{userId}/documents"): (ADMIN, {"Query": 1}),
    ("GET", "/users/{userId}/memories"): (ADMIN, {"Query": 1}),
}

SUCCESS = {"GET": 200, "PATCH": 200, "PUT": 200, "POST": 201, "DELETE": 204}
SUCCESS_OVERRIDES = {("POST", "/search"): 200}

REST_APP = {"name": "Weather", "type": "REST", "config": {"endpoint": "https://w.example.com"}}


def bodies(world: World) -> dict[tuple[str, str], Any]:
    return {
        ("PATCH", "/me"): {"firstName": "Ann"},
        ("POST", "/users"): {"email": f"new-{uuid.uuid4().hex[:8]}@example.com"},
        ("PATCH", "/users/{userId}"): {"lastName": "Lee"},
        ("POST", "/groups"): {"groupId": "new-group", "name": "New group"},
        ("PATCH", "/groups/{groupId}"): {"description": "changed"},
        ("PUT", "/groups/{groupId}/members/{userId}"): {},
        ("POST", "/applications"): REST_APP,
        ("PATCH", "/applications/{appId}"): {"name": "Renamed"},
        ("POST", "/sessions"): {"title": "chat"},
        ("PATCH", "/sessions/{sessionId}"): {"title": "renamed"},
        ("POST", "/sessions/{sessionId}/messages"): {"content": "hello"},
        ("POST", "/sessions/{sessionId}/voice"): {},
        ("PATCH", "/sessions/{sessionId}/voice/{voiceId}"): {"status": "ENDED"},
        ("POST", "/documents"): {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 5},
        ("PATCH", "/documents/{documentId}"): {"tags": ["x"]},
        ("POST", "/memories"): {"type": "FACT", "content": "likes tea"},
        ("PATCH", "/memories/{memoryId}"): {"relevanceScore": 0.2},
        ("PATCH", "/notifications/{notificationId}"): {"read": True},
        ("POST", "/admin/notifications"): {
            "title": "Hi",
            "message": "hello",
            "userId": world.owner.sub,
        },
        ("POST", "/search"): {"query": "tea"},
    }


def registered_routes() -> set[tuple[str, str]]:
    """The resolver's own route table (Powertools keeps it on the resolver; no public getter),
    every route area included (the api includes each on its first request)."""
    app.include_all_areas()
    routes = app._static_routes + app._dynamic_routes
    return {(route.method, route.openapi_path) for route in routes}


@dataclass
class World:
    """One owner with one of everything, another user, an admin, and the ids to address them."""

    owner: Identity
    other: Identity
    admin: Identity
    ids: dict[str, str]
    versions: dict[str, int]

    def caller(self, name: str) -> Identity | None:
        return {NONE: None, OWNER: self.owner, OTHER: self.other, ADMIN: self.admin}[name]


def build_world(api: Api) -> World:
    admin = api.user("ADMIN")
    owner = api.user("team")
    other = api.user("GENERAL")

    def ok(method: str, path: str, who: Identity, body: Any = None) -> Any:
        response = api.call(method, path, who, body=body)
        assert response.status < 300, (method, path, response.raw_body)
        return response.json()

    ok("POST", "/groups", admin, {"groupId": "team", "name": "Team"})
    ok("PUT", f"/groups/team/members/{owner.sub}", admin, {})
    app_id = ok("POST", "/applications", admin, REST_APP)["appId"]
    ok("PUT", f"/applications/{app_id}/grants/team", admin)
    session_id = ok("POST", "/sessions", owner, {"title": "mine"})["sessionId"]
    voice_id = ok("POST", f"/sessions/{session_id}/voice", owner, {})["voiceSessionId"]
    document = {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 5}
    document_id = ok("POST", "/documents", owner, document)["document"]["documentId"]
    api.repositories.documents.transition(owner.sub, document_id, DocumentStatus.PROCESSING)
    memory_id = ok("POST", "/memories", owner, {"type": "FACT", "content": "x"})["memoryId"]
    note = {"title": "Hi", "message": "hello", "userId": owner.sub}
    ok("POST", "/admin/notifications", admin, note)
    notification_id = ok("GET", "/notifications", owner)["items"][0]["notificationId"]
    ids = {
        "userId": owner.sub,
        "groupId": "team",
        "appId": app_id,
        "sessionId": session_id,
        "voiceId": voice_id,
        "documentId": document_id,
        "memoryId": memory_id,
        "notificationId": notification_id,
    }
    versioned = {
        "/me": (owner, "/me"),
        "/users/{userId}": (owner, "/me"),
        "/groups/{groupId}": (admin, "/groups/team"),
        "/applications/{appId}": (admin, f"/applications/{app_id}"),
        "/sessions/{sessionId}": (owner, f"/sessions/{session_id}"),
        "/documents/{documentId}": (owner, f"/documents/{document_id}"),
        "/memories/{memoryId}": (owner, f"/memories/{memory_id}"),
    }
    versions = {route: int(ok("GET", at, who)["version"]) for route, (who, at) in versioned.items()}
    return World(owner=owner, other=other, admin=admin, ids=ids, versions=versions)


def test_every_route_is_in_the_matrix() -> None:
    routes = registered_routes()
    assert ("GET", "/health") in routes
    assert routes - set(MATRIX) == set(), "routes without an authorization rule"
    assert set(MATRIX) - routes == set(), "rules for routes that no longer exist"
    assert set(PATTERNS) == set(MATRIX), "routes without a request pattern"


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=str)
def test_route_authorization(api: Api, method: str, path: str) -> None:
    if (method, path) not in registered_routes():
        pytest.fail(f"{method} {path} is in the matrix but not registered")
    world = build_world(api)
    rule = MATRIX[(method, path)]
    concrete = path.format(**world.ids)
    body = bodies(world).get((method, path))
    success = SUCCESS_OVERRIDES.get((method, path), SUCCESS[method])
    # Failures first, so a destructive success cannot hide what the others would have got
    order = sorted(OUTCOMES[rule].items(), key=lambda outcome: outcome[1] is None)
    who, pattern = PATTERNS[(method, path)]
    version = world.versions.get(path) if method == "PATCH" else None
    observed: dict[str, int] = {}
    requests: dict[str, dict[str, int]] = {}
    for name, expected in order:
        # The measured caller names the version it read, so its PATCH needs no extra read
        headers = {"If-Match": str(version)} if version and name == who else None
        with api.counting() as counts:
            response = api.call(method, concrete, world.caller(name), body=body, headers=headers)
        observed[name] = response.status
        requests[name] = dict(counts.by_operation)
        if expected is not None:
            assert response.json()["error"]["type"], response.raw_body
    expected_statuses = {name: code or success for name, code in OUTCOMES[rule].items()}
    assert observed == expected_statuses, f"{method} {path} ({rule.value})"
    # And the successful call sent exactly its pattern's requests (no Scan, nothing extra)
    assert requests[who] == pattern, f"{method} {path} as {who}"
