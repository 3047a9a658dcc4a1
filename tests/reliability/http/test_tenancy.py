"""Tenancy over HTTP (issue 15, point 6): every documented route, called by a second user and by
an anonymous caller with the first user's ids, reads nothing of theirs and changes nothing.

The routes come from docs/openapi.json, so a new route is covered without editing this suite
(world.request_for fails when it reads a body nobody wrote). The table, the bucket and the vector
index are read before and after; the comparison names any change that touches the first user's
ids or marker. The short form sends each route once per caller; the long form adds generated
requests (schemathesis, the victim's ids in every path) per route and caller.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NotSet

from tests.reliability.frame import Reliability
from tests.reliability.http.calls import Tally, send
from tests.reliability.http.stack_state import changes, quiet_state
from tests.reliability.http.world import (
    OPENAPI,
    Victim,
    build_victim,
    is_public,
    operations,
    request_for,
)
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e

GENERATED_PER_ROUTE = (0, 12)  # generated requests per route and caller (short, long)


def leaks(victim: Victim, sent: str, response: requests.Response) -> list[str]:
    """The victim's secrets and ids in a response that the request did not carry itself."""
    text = response.text
    found = [secret for secret in victim.secrets if secret in text]
    found += [value for value in victim.own_ids() if value in text and value not in sent]
    return found


class Intrusion:
    def __init__(self, stack: LocalStackProcess, victim: Victim) -> None:
        self.stack = stack
        self.victim = victim
        self.tally = Tally()
        self.leaked: list[str] = []
        self.unreached: list[str] = []

    def attempt(
        self,
        who: str,
        caller: User | None,
        method: str,
        path: str,
        url_path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        explicit: bool = True,
    ) -> None:
        label = f"{who} {method} {url_path}"
        response = self.tally.judge(
            label,
            send(
                self.stack,
                method,
                url_path,
                caller=caller,
                query=query,
                body=body,
                headers=headers,
            ),
        )
        sent = f"{url_path} {json.dumps(query)} {json.dumps(body)}"
        found = leaks(self.victim, sent, response)
        if found:
            self.leaked.append(f"{label} -> {response.status_code}: {found}")
        if caller is None and not is_public(method, path) and response.status_code != 401:
            self.unreached.append(f"{label}: anonymous got {response.status_code}, not 401")
        # An explicit request is valid: a 422 would mean it never reached the ownership check
        if explicit and response.status_code == 422:
            self.unreached.append(f"{label}: 422 {response.text[:200]}")


def test_a_second_user_and_an_anonymous_caller_read_and_change_nothing_of_the_first(
    local_stack: LocalStackProcess, reliability: Reliability, tmp_path: Path
) -> None:
    # Given a first user with one of everything, and a second user signed in
    victim = build_victim(local_stack, tmp_path)
    intruder = User.sign_up(local_stack)
    users = (victim.user.sub, intruder.sub)
    before = quiet_state(local_stack, users)
    intrusion = Intrusion(local_stack, victim)
    callers: list[tuple[str, User | None]] = [("second user", intruder), ("anonymous", None)]

    # When both call every documented route with the first user's ids
    for method, path in operations():
        request = request_for(method, path, victim)
        for who, caller in callers:
            intrusion.attempt(
                who,
                caller,
                method,
                path,
                request.url_path,
                query=request.query,
                body=request.body,
                headers=request.headers,
            )
    # (long form) and with generated queries and bodies, the first user's ids in every path
    generated = reliability.pick(*GENERATED_PER_ROUTE)
    if generated:
        schema = schemathesis.openapi.from_path(str(OPENAPI))
        for method, path in operations():
            for who, caller in callers:
                _generated_attempts(
                    intrusion,
                    schema,
                    who=who,
                    caller=caller,
                    method=method,
                    path=path,
                    count=generated,
                )

    after = quiet_state(local_stack, users)
    touched = changes(before, after).touching(
        *victim.own_ids(), victim.ids["groupId"], victim.ids["appId"], victim.marker
    )
    tally = intrusion.tally
    reliability.record(
        "6",
        "tenancy over HTTP",
        injected="every documented route as a second user and as an anonymous caller, "
        "with the first user's ids",
        volume=f"{tally.sent} requests over {len(operations())} routes",
        lost=len(touched) + len(intrusion.leaked),
        routes=len(operations()),
        requests=tally.sent,
        statuses={str(k): v for k, v in sorted(tally.statuses.items())},
        leaked=len(intrusion.leaked),
        changed=len(touched),
        server_errors=len(tally.server_errors),
    )

    # Then nothing of the first user's was read
    assert not intrusion.leaked, "\n".join(intrusion.leaked)
    # And nothing of theirs (nor their group's or application's) changed: table, bucket, index
    assert not touched, "\n".join(touched)
    assert after.vectors[victim.user.sub] == before.vectors[victim.user.sub]
    # And every request reached the ownership check, and every refusal is a clear 4xx
    assert not intrusion.unreached, "\n".join(intrusion.unreached)
    assert not tally.server_errors, "\n".join(tally.server_errors)
    assert not tally.bad_error_bodies, "\n".join(tally.bad_error_bodies)
    # And the first user still has everything
    for name in ("sessionId", "documentId", "memoryId"):
        route = {"sessionId": "sessions", "documentId": "documents", "memoryId": "memories"}[name]
        assert victim.user.call("GET", f"/{route}/{victim.ids[name]}").status_code == 200


def _generated_attempts(
    intrusion: Intrusion,
    schema: Any,
    *,
    who: str,
    caller: User | None,
    method: str,
    path: str,
    count: int,
) -> None:
    operation = schema[path][method.lower()]
    ids = intrusion.victim.ids

    @given(case=operation.as_strategy())
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def attempt(case: Any) -> None:
        for name in case.path_parameters or {}:
            case.path_parameters[name] = ids[name]
        # the caller's own token, or none: never a token schemathesis generated for the scheme
        headers = {
            k: str(v) for k, v in (case.headers or {}).items() if k.lower() != "authorization"
        }
        query = {k: str(v) for k, v in (case.query or {}).items()}
        body = case.body if takes_json_body(case) else None
        intrusion.attempt(
            who,
            caller,
            method,
            path,
            case.formatted_path,
            query=query,
            body=body,
            headers=headers,
            explicit=False,
        )

    attempt()


def takes_json_body(case: Any) -> bool:
    return case.media_type == "application/json" and not isinstance(case.body, bytes | NotSet)
