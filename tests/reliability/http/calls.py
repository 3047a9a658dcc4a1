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


def error_body_problem(response: requests.Response) -> str | None:
    """Why a 4xx is not ``{"error": {"type", "message", "details"}}`` as JSON, or None."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} body is not JSON: {response.text[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != ERROR_KEYS:
        return f"{response.status_code} body is not the error shape: {response.text[:200]!r}"
    if not (isinstance(error["type"], str) and isinstance(error["message"], str)):
        return f"{response.status_code} error type/message are not text: {response.text[:200]!r}"
    if not isinstance(error["details"], dict):
        return f"{response.status_code} error details are not an object: {response.text[:200]!r}"
    if "application/json" not in response.headers.get("Content-Type", ""):
        return f"{response.status_code} Content-Type {response.headers.get('Content-Type')!r}"
    return None


@dataclass
class Tally:
    """What a suite sent and every answer that broke a rule."""

    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    bad_error_bodies: list[str] = field(default_factory=list)

    def judge(self, label: str, response: requests.Response) -> requests.Response:
        self.sent += 1
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500:
            self.server_errors.append(f"{label}: {status} {response.text[:300]}")
        elif status >= 400:
            problem = error_body_problem(response)
            if problem is not None:
                self.bad_error_bodies.append(f"{label}: {problem}")
        return response

    @property
    def client_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if 400 <= status < 500)
