"""A first user (the victim) with one of everything, made over HTTP on the local stack, and the
requests the HTTP suites send: every documented operation, with the victim's ids in its path.

Every operation of docs/openapi.json that reads a body needs an entry in :func:`bodies`; an
operation without one fails :func:`request_for`, so a new route cannot skip the suites.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.e2e.helpers import upload_document, wait_for_status
from tests.support.local_stack import ADMIN_PASSWORD, LocalStackProcess, User

OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")
ADMIN_EMAIL = "admin@example.com"


@cache
def documented() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


def operations() -> list[tuple[str, str]]:
    """Every documented (METHOD, path), in a stable order."""
    return [
        (method.upper(), path)
        for path, item in sorted(documented()["paths"].items())
        for method in METHODS
        if method in item
    ]


def takes_body(method: str, path: str) -> bool:
    return "requestBody" in documented()["paths"][path][method.lower()]


def is_public(method: str, path: str) -> bool:
    return bool(documented()["paths"][path][method.lower()].get("security") == [{}])


def admin(stack: LocalStackProcess) -> User:
    """The administrator the local stack creates at start (STRATA_LOCAL_ADMIN_PASSWORD)."""
    return User(stack, ADMIN_EMAIL, ADMIN_PASSWORD).log_in()


@dataclass
class Victim:
    """A user with a group membership, a visible application, a session with a message and a
    voice session, a ready document, a memory and a notification; every text carries
    ``marker``, so any response holding one of them is a leak."""

    user: User
    marker: str
    ids: dict[str, str]
    versions: dict[str, int]

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach another caller: the marker and the e-mail address."""
        return (self.marker, self.user.email)

    def own_ids(self) -> tuple[str, ...]:
        """Ids of what the victim owns (the group and application are shared, not theirs)."""
        mine = ("userId", "sessionId", "voiceId", "documentId", "memoryId", "notificationId")
        return tuple(self.ids[name] for name in mine)


def _ok(user: User, method: str, path: str, body: Any = None) -> Any:
    response = user.call(method, path, body)
    assert response.status_code < 300, (method, path, response.status_code, response.text)
    return response.json() if response.content else None


def build_victim(stack: LocalStackProcess, tmp_path: Path, *, ingested: bool = True) -> Victim:
    """The victim; ``ingested=False`` does not wait for the document to be ``ready``."""
    root = admin(stack)
    victim = User.sign_up(stack)
    marker = f"victim-secret-{uuid.uuid4().hex[:12]}"
    group_id = f"team-{uuid.uuid4().hex[:8]}"
    _ok(root, "POST", "/groups", {"groupId": group_id, "name": "Team"})
    _ok(root, "PUT", f"/groups/{group_id}/members/{victim.sub}", {})
    application = {
        "name": "Weather",
        "description": marker,
        "type": "REST",
        "config": {"endpoint": "https://weather.example.com/v1"},
    }
    app_id = _ok(root, "POST", "/applications", application)["appId"]
    _ok(root, "PUT", f"/applications/{app_id}/grants/{group_id}")
    _ok(victim, "PATCH", "/me", {"firstName": marker[:40]})
    session_id = _ok(victim, "POST", "/sessions", {"title": f"plans {marker}"})["sessionId"]
    _ok(victim, "POST", f"/sessions/{session_id}/messages", {"content": f"note {marker}"})
    voice_id = _ok(victim, "POST", f"/sessions/{session_id}/voice", {})["voiceSessionId"]
    text = f"The {marker} handbook grants twenty-five days of paid leave per year.\n"
    document_id = upload_document(victim, text.encode(), tmp_path, name="handbook.txt")
    if ingested:
        wait_for_status(victim, document_id, "ready")
    memory = {"type": "FACT", "content": f"prefers tea {marker}"}
    memory_id = _ok(victim, "POST", "/memories", memory)["memoryId"]
    note = {"title": "Hello", "message": f"welcome {marker}", "userId": victim.sub}
    _ok(root, "POST", "/admin/notifications", note)
    notification_id = _ok(victim, "GET", "/notifications")["items"][0]["notificationId"]
    ids = {
        "userId": victim.sub,
        "groupId": group_id,
        "appId": app_id,
        "sessionId": session_id,
        "voiceId": voice_id,
        "documentId": document_id,
        "memoryId": memory_id,
        "notificationId": notification_id,
    }
    versioned = {
        "/me": (victim, "/me"),
        "/users/{userId}": (victim, "/me"),
        "/groups/{groupId}": (root, f"/groups/{group_id}"),
        "/applications/{appId}": (root, f"/applications/{app_id}"),
        "/sessions/{sessionId}": (victim, f"/sessions/{session_id}"),
        "/documents/{documentId}": (victim, f"/documents/{document_id}"),
        "/memories/{memoryId}": (victim, f"/memories/{memory_id}"),
    }
    versions = {
        route: int(_ok(who, "GET", at)["version"]) for route, (who, at) in versioned.items()
    }
    return Victim(victim, marker, ids, versions)


def bodies(victim: Victim) -> dict[tuple[str, str], Any]:
    """A valid body for every operation that reads one, aimed at the victim where it can be."""
    ids = victim.ids
    return {
        ("PATCH", "/me"): {"firstName": "Mallory"},
        ("POST", "/users"): {"email": f"new-{uuid.uuid4().hex[:8]}@example.com"},
        ("PATCH", "/users/{userId}"): {"lastName": "Taken", "isActive": False},
        ("POST", "/groups"): {"groupId": ids["groupId"], "name": "Hijacked"},
        ("PATCH", "/groups/{groupId}"): {"description": "changed"},
        ("PUT", "/groups/{groupId}/members/{userId}"): {"role": "owner"},
        ("POST", "/applications"): {
            "name": "Rogue",
            "type": "REST",
            "config": {"endpoint": "https://rogue.example.com"},
        },
        ("PATCH", "/applications/{appId}"): {"name": "Renamed"},
        ("POST", "/sessions"): {"title": "mine"},
        ("PATCH", "/sessions/{sessionId}"): {"title": "renamed"},
        ("POST", "/sessions/{sessionId}/messages"): {"content": "injected"},
        ("POST", "/sessions/{sessionId}/voice"): {},
        ("PATCH", "/sessions/{sessionId}/voice/{voiceId}"): {"status": "ENDED"},
        ("POST", "/documents"): {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 5},
        ("PATCH", "/documents/{documentId}"): {"tags": ["x"], "title": "renamed"},
        ("POST", "/memories"): {"type": "FACT", "content": "likes coffee"},
        ("PATCH", "/memories/{memoryId}"): {"relevanceScore": 0.2},
        ("PATCH", "/notifications/{notificationId}"): {"read": True},
        ("POST", "/admin/notifications"): {
            "title": "Hi",
            "message": "hello",
            "userId": ids["userId"],
        },
        ("POST", "/search"): {
            # the victim's document's words (not the marker: a response may echo the query)
            "query": "handbook grants twenty-five days of paid leave per year",
            "filters": {"documentIds": [ids["documentId"]]},
            "includeMemories": True,
        },
    }


# Queries aimed at the victim's data where a route takes them.
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/admin/audit"): {"entity": "session", "id": "{sessionId}"},
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    url_path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


def request_for(method: str, path: str, victim: Victim) -> Request:
    """The request of one operation with the victim's ids, a valid body and their version."""
    names = re.findall(r"{(\w+)}", path)
    unknown = [name for name in names if name not in victim.ids]
    assert not unknown, f"{method} {path}: no victim id for {unknown}; add one to build_victim"
    table = bodies(victim)
    if takes_body(method, path):
        assert (method, path) in table, f"{method} {path} reads a body: add one to bodies()"
    query = {k: v.format(**victim.ids) for k, v in QUERIES.get((method, path), {}).items()}
    version = victim.versions.get(path) if method == "PATCH" else None
    return Request(
        method,
        path,
        path.format(**victim.ids),
        query,
        table.get((method, path)),
        {"If-Match": str(version)} if version else {},
    )
