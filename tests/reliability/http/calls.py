"""Sending one request to the local stack and judging its answer: the checks every HTTP suite
applies (no 5xx, every refusal in the JSON error shape, no foreign data in the body)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.local_stack import LocalStackProcess, User

ERROR_KEYS = {"type", "message", "details"}


def send(
    stack: LocalStackProcess,
    method: str,
    path: str,
    *,
    caller: User | None,
    query: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> requests.Response:
    """One request as ``caller`` (None: no token); ``raw`` is sent as is instead of ``body``."""
    sent = dict(headers or {})
    if caller is not None:
        sent.setdefault("Authorization", f"Bearer {caller.id_token}")
    if raw is None and body is not None:
        raw = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    return requests.request(
        method, f"{stack.url}{path}", params=query, data=raw, headers=sent, timeout=60
    )


def error_body_problem(status: int, text: str, content_type: str) -> str | None:
    """Why a 4xx is not ``{"error": {"type", "message", "details"}}`` as JSON, or None."""
    try:
        body = json.loads(text)
    except ValueError:
        return f"{status} body is not JSON: {text[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != ERROR_KEYS:
        return f"{status} body is not the error shape: {text[:200]!r}"
    if not (isinstance(error["type"], str) and isinstance(error["message"], str)):
        return f"{status} error type/message are not text: {text[:200]!r}"
    if not isinstance(error["details"], dict):
        return f"{status} error details are not an object: {text[:200]!r}"
    if "application/json" not in content_type:
        return f"{status} Content-Type {content_type!r}"
    return None


@dataclass
class Tally:
    """What a suite sent and every answer that broke a rule."""

    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    bad_error_bodies: list[str] = field(default_factory=list)

    def judge(self, label: str, response: requests.Response) -> requests.Response:
        content_type = response.headers.get("Content-Type", "")
        self.count(label, response.status_code, response.text, content_type)
        return response

    def count(self, label: str, status: int, text: str, content_type: str) -> None:
        """One answer: counted, and kept if it is a 5xx or a 4xx outside the error shape."""
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500:
            self.server_errors.append(f"{label}: {status} {text[:300]}")
        elif status >= 400:
            problem = error_body_problem(status, text, content_type)
            if problem is not None:
                self.bad_error_bodies.append(f"{label}: {problem}")

    @property
    def client_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if 400 <= status < 500)
