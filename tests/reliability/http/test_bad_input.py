"""Bad input over HTTP (issue 15, point 5): oversized bodies, deep JSON, huge integers, wrong
media types, invalid UTF-8, path traversal in file names, HTML in titles, forged pagination
tokens, forged and expired JWTs. Each gets a clear 4xx in the JSON error shape, and nothing is
stored: the table, the bucket and the vector index are compared before and after.

The short form sends each case once at the route it aims at. The long form also sends every
malformed body to every documented operation that reads one, and every forged token to every
documented operation that needs one.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.reliability.frame import Reliability
from tests.reliability.http.calls import Tally, send
from tests.reliability.http.forged import FORGERIES
from tests.reliability.http.stack_state import changes, quiet_state
from tests.reliability.http.world import is_public, operations, takes_body
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e

JSON = "application/json"
BODY_LIMIT = 409_600


@dataclass(frozen=True)
class Bad:
    """One bad request: what it is, where it goes, and the status it must get."""

    category: str
    label: str
    method: str
    path: str
    raw: bytes | None = None
    content_type: str | None = JSON
    query: dict[str, str] | None = None
    authorization: str | None = None  # None: the signed-in user's own token
    expected: int = 400


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def _nested_objects(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _multipart(name: str, value: str) -> bytes:
    part = f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    return f"--b\r\n{part}--b--\r\n".encode()


def _flip(token: str) -> str:
    """The token with one character in its middle changed."""
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


@dataclass
class Setting:
    """The signed-in user sending the bad input, their own items, another user's list token."""

    user: User
    other: User
    marker: str
    session_id: str
    own_token: str
    others_token: str
    others_session_ids: tuple[str, ...]
    forged: dict[str, str]  # forgery -> token, made once (an RSA key takes a while)


def make_setting(stack: LocalStackProcess) -> Setting:
    user, other = User.sign_up(stack), User.sign_up(stack)
    marker = f"bad-input-{uuid.uuid4().hex[:12]}"
    sessions = [user.call("POST", "/sessions", {"title": f"own {n}"}).json() for n in range(2)]
    others = [other.call("POST", "/sessions", {"title": f"theirs {n}"}).json() for n in range(2)]
    own_token = user.call("GET", "/sessions?limit=1").json()["nextToken"]
    others_token = other.call("GET", "/sessions?limit=1").json()["nextToken"]
    assert own_token
    assert others_token
    return Setting(
        user,
        other,
        marker,
        sessions[0]["sessionId"],
        own_token,
        others_token,
        tuple(s["sessionId"] for s in others),
        {name: forge(user) for name, forge in FORGERIES.items()},
    )


def short_cases(s: Setting) -> list[Bad]:
    m = s.marker
    session = f"/sessions/{s.session_id}"
    upload = {"fileType": "text/plain", "fileSize": 10}
    cases = [
        # Oversized bodies: refused before any route runs
        Bad(
            "oversized",
            "500 KB title",
            "POST",
            "/sessions",
            _json({"title": m + "x" * 500_000}),
            expected=413,
        ),
        Bad(
            "oversized",
            "2 MB memory",
            "POST",
            "/memories",
            _json({"type": "FACT", "content": m + "x" * 2_000_000}),
            expected=413,
        ),
        Bad(
            "oversized",
            "one byte over the limit",
            "POST",
            f"{session}/messages",
            _pad({"content": m}, BODY_LIMIT + 1),
            expected=413,
        ),
        # Deep JSON
        Bad(
            "deep JSON",
            "5,000 levels",
            "POST",
            "/sessions",
            f'{{"title": "{m}", "context": {{"a": {_nested(5000)}}}}}'.encode(),
        ),
        Bad(
            "deep JSON",
            "1,000 levels in a memory",
            "POST",
            "/memories",
            f'{{"type": "FACT", "content": {{"a": {_nested(1000)}}}, "m": "{m}"}}'.encode(),
        ),
        Bad(
            "deep JSON",
            "40 levels (parses; DynamoDB stores 32)",
            "POST",
            "/sessions",
            _json({"title": m, "context": _nested_objects(40)}),
        ),
        # Huge integers
        Bad(
            "huge integers",
            "5,000 digits",
            "POST",
            "/sessions",
            f'{{"title": "{m}", "context": {{"n": {"9" * 5000}}}}}'.encode(),
        ),
        Bad(
            "huge integers",
            "39 digits",
            "POST",
            "/memories",
            f'{{"type": "FACT", "content": {{"n": {"9" * 39}, "m": "{m}"}}}}'.encode(),
        ),
        Bad(
            "huge integers",
            "1e400",
            "POST",
            "/sessions",
            f'{{"title": "{m}", "context": {{"n": 1e400}}}}'.encode(),
        ),
        Bad(
            "huge integers",
            "30-digit file size",
            "POST",
            "/documents",
            _json({"fileName": f"{m}.txt", "fileType": "text/plain", "fileSize": 10**30}),
        ),
        Bad(
            "huge integers",
            "23-digit limit",
            "GET",
            "/sessions",
            None,
            None,
            {"limit": "9" * 23},
            expected=422,
        ),
        # Wrong media types
        *[
            Bad("wrong media type", media, "POST", "/sessions", raw, media, expected=415)
            for media, raw in [
                ("text/plain", _json({"title": m})),
                ("application/xml", f"<title>{m}</title>".encode()),
                ("application/x-www-form-urlencoded", f"title={m}".encode()),
                (
                    "multipart/form-data; boundary=b",
                    _multipart("title", m),
                ),
                ("image/png", b"\x89PNG\r\n\x1a\n" + m.encode()),
            ]
        ],
        # Invalid UTF-8 (and text that has no UTF-8 form)
        Bad(
            "invalid UTF-8",
            "bytes 0xff 0xfe",
            "POST",
            "/sessions",
            b'{"title": "' + m.encode() + b'\xff\xfe"}',
        ),
        Bad(
            "invalid UTF-8",
            "overlong '/'",
            "POST",
            "/memories",
            b'{"type": "FACT", "content": "' + m.encode() + b'\xc0\xaf"}',
        ),
        Bad(
            "invalid UTF-8",
            "UTF-16",
            "POST",
            "/sessions",
            json.dumps({"title": m}).encode("utf-16"),
        ),
        Bad(
            "invalid UTF-8",
            "lone surrogate in a title",
            "POST",
            "/sessions",
            f'{{"title": "{m}\\ud800"}}'.encode(),
            expected=422,
        ),
        Bad(
            "invalid UTF-8",
            "lone surrogate in a name",
            "POST",
            "/memories",
            f'{{"type": "FACT", "content": {{"{m}\\udc00": 1}}}}'.encode(),
        ),
        # Path traversal in file names (and in ids)
        *[
            Bad(
                "path traversal",
                name,
                "POST",
                "/documents",
                _json({"fileName": name, **upload, "title": m}),
                expected=422,
            )
            for name in [
                "../../etc/passwd.txt",
                "..\\..\\boot.ini",
                "..",
                f"{m}/../../x.txt",
                f"{m}\x00.txt",
                f"{m}\n.txt",
            ]
        ],
        Bad(
            "path traversal",
            "id ../..",
            "GET",
            "/sessions/..%2F..%2Fadmin%2Fstats/messages",
            None,
            None,
            expected=404,
        ),
        Bad("path traversal", "id ..", "PATCH", "/documents/..", _json({"title": m}), expected=404),
        # HTML in titles
        Bad(
            "HTML in titles",
            "script",
            "POST",
            "/sessions",
            _json({"title": f"<script>alert('{m}')</script>"}),
            expected=422,
        ),
        Bad(
            "HTML in titles",
            "img onerror",
            "PATCH",
            session,
            _json({"title": f'<img src=x onerror="alert(1)"> {m}'}),
            expected=422,
        ),
        Bad(
            "HTML in titles",
            "bold",
            "POST",
            "/documents",
            _json({"fileName": "a.txt", **upload, "title": f"<b>{m}</b>"}),
            expected=422,
        ),
        Bad(
            "HTML in titles",
            "comment",
            "POST",
            "/memories",
            _json({"type": "FACT", "content": m, "sourceSessionId": "<!--x-->"}),
            expected=422,
        ),
        # Forged pagination tokens
        Bad(
            "forged pagination tokens",
            "garbage",
            "GET",
            "/sessions",
            None,
            None,
            {"nextToken": f"{m}-garbage"},
        ),
        Bad(
            "forged pagination tokens",
            "one character changed",
            "GET",
            "/sessions",
            None,
            None,
            {"nextToken": _flip(s.own_token)},
        ),
        Bad(
            "forged pagination tokens",
            "another list's",
            "GET",
            "/memories",
            None,
            None,
            {"nextToken": s.own_token},
        ),
        Bad(
            "forged pagination tokens",
            "another user's",
            "GET",
            "/sessions",
            None,
            None,
            {"nextToken": s.others_token},
        ),
    ]
    # Forged and expired JWTs, on a write
    cases += [
        Bad(
            "forged JWTs",
            name,
            "POST",
            "/sessions",
            _json({"title": m}),
            authorization=f"Bearer {token}",
            expected=401,
        )
        for name, token in s.forged.items()
    ]
    cases += [
        Bad(
            "forged JWTs",
            "empty bearer",
            "POST",
            "/sessions",
            _json({"title": m}),
            authorization="Bearer ",
            expected=401,
        ),
    ]
    return cases


def _pad(body: dict[str, Any], size: int) -> bytes:
    raw = _json({**body, "metadata": {"pad": ""}})
    return raw.replace(b'"pad": ""', b'"pad": "' + b"x" * (size - len(raw)) + b'"')


def long_cases(s: Setting) -> list[Bad]:
    """Every malformed body at every operation that reads one, every forged token everywhere."""
    m = s.marker
    bodies = [
        ("oversized", "text/plain body of 500 KB", _json({"x": m + "x" * 500_000}), JSON, 413),
        ("deep JSON", "3,000 levels", f'{{"m": "{m}", "a": {_nested(3000)}}}'.encode(), JSON, 400),
        ("huge integers", "4,400 digits", f'{{"m": "{m}", "n": {"7" * 4400}}}'.encode(), JSON, 400),
        ("wrong media type", "text/plain", _json({"m": m}), "text/plain", 415),
        ("wrong media type", "form", f"m={m}".encode(), "application/x-www-form-urlencoded", 415),
        ("invalid UTF-8", "0xff", b'{"m": "' + m.encode() + b'\xff"}', JSON, 400),
    ]
    ids = {"sessionId": s.session_id}
    cases: list[Bad] = []
    for method, path in operations():
        concrete = re.sub(r"{(\w+)}", lambda g: ids.get(g.group(1), "missing-item"), path)
        if takes_body(method, path):
            cases += [
                Bad(
                    category,
                    f"{label} at {method} {path}",
                    method,
                    concrete,
                    raw,
                    media,
                    expected=status,
                )
                for category, label, raw, media, status in bodies
            ]
        if not is_public(method, path):
            cases += [
                Bad(
                    "forged JWTs",
                    f"{name} at {method} {path}",
                    method,
                    concrete,
                    None,
                    None,
                    authorization=f"Bearer {token}",
                    expected=401,
                )
                for name, token in s.forged.items()
            ]
    return cases


def test_bad_input_gets_a_clear_4xx_and_nothing_is_stored(
    local_stack: LocalStackProcess, reliability: Reliability
) -> None:
    # Given a signed-in user with two sessions, and another user with a list token of their own
    setting = make_setting(local_stack)
    users = (setting.user.sub, setting.other.sub)
    cases = short_cases(setting) + (long_cases(setting) if reliability.long else [])
    before = quiet_state(local_stack, users)

    # When each bad request is sent
    tally = Tally()
    wrong: list[str] = []
    leaked: list[str] = []
    per_category: dict[str, int] = {}
    for bad in cases:
        headers = {"Content-Type": bad.content_type} if bad.content_type else {}
        headers["Authorization"] = bad.authorization or f"Bearer {setting.user.id_token}"
        response = tally.judge(
            f"{bad.category}: {bad.label}",
            send(
                local_stack,
                bad.method,
                bad.path,
                caller=None,
                query=bad.query,
                headers=headers,
                raw=bad.raw,
            ),
        )
        per_category[bad.category] = per_category.get(bad.category, 0) + 1
        if response.status_code != bad.expected:
            wrong.append(
                f"{bad.category}: {bad.label}: {response.status_code} "
                f"(expected {bad.expected}) {response.text[:200]}"
            )
        if any(i in response.text for i in setting.others_session_ids):
            leaked.append(f"{bad.category}: {bad.label}")

    after = quiet_state(local_stack, users)
    diff = changes(before, after)
    stored = diff.touching(setting.marker, *users) + [f"added {k}" for k in diff.added]
    reliability.record(
        "5",
        "bad input over HTTP",
        injected="oversized bodies, deep JSON, huge integers, wrong media types, invalid UTF-8, "
        "path traversal in file names and ids, HTML in titles, forged pagination tokens, "
        "forged and expired JWTs",
        volume=f"{tally.sent} requests in {len(per_category)} categories",
        lost=len(stored) + len(tally.server_errors) + len(leaked),
        requests=tally.sent,
        per_category=per_category,
        statuses={str(k): v for k, v in sorted(tally.statuses.items())},
        stored=len(stored),
        server_errors=len(tally.server_errors),
    )

    # Then each got the clear 4xx it should, in the JSON error shape, never a 5xx
    assert not tally.server_errors, "\n".join(tally.server_errors)
    assert not wrong, "\n".join(wrong)
    assert not tally.bad_error_bodies, "\n".join(tally.bad_error_bodies)
    # And nothing was stored (table, bucket, index), nor another user's list read
    assert not stored, "\n".join(stored)
    assert diff.objects == {}
    assert after.vectors == before.vectors
    assert not leaked, "\n".join(leaked)
