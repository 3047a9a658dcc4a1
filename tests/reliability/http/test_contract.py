"""Schemathesis over HTTP (issue 15, point 1): every operation of docs/openapi.json against the
local stack, as a signed-in user and as an administrator (real tokens from the local /auth
routes), stateless and along the links schemathesis infers: 0 responses >= 500, every 4xx in the
JSON error shape, and every answer as the document says (status, media type, body schema).

The short form sends a few generated requests per operation and role and a few short call
sequences; the long form many more, negative ones (schema-invalid on purpose) included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.generation import GenerationMode

from tests.reliability.frame import Reliability
from tests.reliability.http.contract import Findings, fuzz_operation, inferred_links, run_stateful
from tests.reliability.http.world import OPENAPI, admin, build_victim, operations
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e

# Generated requests per operation and role (short, long). The long form was 40 and 15, with 60
# sequences of up to 12 calls: 7,797 requests, 42 minutes on the shared machine; these sizes
# keep every operation, both modes and the sequences in about a quarter of that.
POSITIVE = (1, 10)
NEGATIVE = (0, 4)
SCENARIOS = (3, 20)  # stateful call sequences per role
STEPS = (6, 10)
# schemathesis waits 10 s by default; a shared 2-core machine can be slower than that
REQUEST_TIMEOUT = 60


def _protected(root: User, stand_in: str) -> Any:
    """The administrator never addresses their own account (an erased or demoted admin would
    end the run): a generated or linked ``userId`` naming them is replaced by ``stand_in``."""

    def protect(case: Any) -> None:
        for name, value in (case.path_parameters or {}).items():
            if name == "userId" and value == root.sub:
                case.path_parameters[name] = stand_in

    return protect


def test_every_operation_answers_as_documented_with_no_server_error(
    local_stack: LocalStackProcess, reliability: Reliability, tmp_path: Path
) -> None:
    # Given a signed-in user with one of everything, and the administrator, both with real tokens
    owner = build_victim(local_stack, tmp_path, ingested=False)
    root = admin(local_stack)
    root.sub = str(root.call("GET", "/me").json()["userId"])
    stand_in = User.sign_up(local_stack)
    roles = {"user": owner.user, "admin": root}
    protect = _protected(root, stand_in.sub)
    findings = Findings()
    schema = schemathesis.openapi.from_path(str(OPENAPI))
    schema.config.update(base_url=local_stack.url)

    # When schemathesis sends generated requests to every operation, as each role
    for role, user in roles.items():
        headers = {"Authorization": f"Bearer {user.id_token}"}

        def call(case: Any, headers: dict[str, str] = headers) -> Any:
            protect(case)
            return case.call(base_url=local_stack.url, headers=headers, timeout=REQUEST_TIMEOUT)

        for method, path in operations():
            operation = schema[path][method.lower()]
            for mode, sizes in (
                (GenerationMode.POSITIVE, POSITIVE),
                (GenerationMode.NEGATIVE, NEGATIVE),
            ):
                examples = reliability.pick(*sizes)
                if examples:
                    fuzz_operation(
                        operation,
                        findings=findings,
                        role=role,
                        call=call,
                        known_ids=owner.ids,
                        examples=examples,
                        mode=mode,
                    )
        # And call sequences along the links inferred from the document
        run_stateful(
            schema,
            findings=findings,
            role=role,
            call_kwargs={
                "base_url": local_stack.url,
                "headers": headers,
                "timeout": REQUEST_TIMEOUT,
            },
            protect=protect,
            scenarios=reliability.pick(*SCENARIOS),
            steps=reliability.pick(*STEPS),
        )

    tally = findings.tally
    reliability.record(
        "1",
        "schemathesis over HTTP",
        injected="generated requests (positive"
        + (" and negative" if reliability.long else "")
        + ") to every documented operation and call sequences along inferred links, "
        "as a user and as an administrator",
        volume=f"{tally.sent} requests over {len(findings.operations)} operations",
        lost=len(tally.server_errors) + len(tally.bad_error_bodies),
        requests=tally.sent,
        operations=len(findings.operations),
        documented=len(operations()),
        inferred_links=inferred_links(schema),
        statuses={str(k): v for k, v in sorted(tally.statuses.items())},
        server_errors=len(tally.server_errors),
        bad_error_bodies=len(tally.bad_error_bodies),
        check_failures=len(findings.failures),
    )

    # Then every operation was exercised
    assert findings.operations == {f"{m} {p}" for m, p in operations()}
    # And no answer was a server error, and every 4xx carried the JSON error body
    assert not tally.server_errors, "\n".join(tally.server_errors)
    assert not tally.bad_error_bodies, "\n".join(tally.bad_error_bodies)
    # And every answer was as documented (status, media type, schema; resources after writes)
    assert not findings.failures, findings.report()
