"""Schemathesis against the local stack over HTTP: generated requests for every operation of
docs/openapi.json (stateless), and call sequences along the links schemathesis infers from the
document (stateful), each checked against the document and against the error contract.

Every answer goes through :class:`~tests.reliability.http.calls.Tally` (no 5xx, every 4xx in
the JSON error shape) and through schemathesis' own checks (:data:`CHECKS`). Failures are
collected, not raised at the first, so one run reports every distinct one with a curl to
reproduce it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from tests.reliability.http.calls import Tally

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]


@dataclass
class Findings:
    """What was sent, and every distinct failure (operation, check) with a reproduction."""

    tally: Tally = field(default_factory=Tally)
    failures: dict[str, str] = field(default_factory=dict)
    operations: set[str] = field(default_factory=set)

    def observe(
        self, case: Any, response: Any, checks: list[Any], role: str, recorder: Any = None
    ) -> None:
        label = f"{role} {case.operation.label}"
        self.operations.add(case.operation.label)
        content_type = ", ".join(response.headers.get("content-type", []))
        self.tally.count(label, response.status_code, response.text, content_type)
        try:
            case.validate_response(response, checks=checks, recorder=recorder)
        except BaseExceptionGroup as group:
            for failure in group.exceptions:
                self._keep(label, failure, case)
        except AssertionError as failure:
            self._keep(label, failure, case)

    def _keep(self, label: str, failure: BaseException, case: Any) -> None:
        title = str(failure).strip().splitlines()[0] if str(failure).strip() else "failure"
        key = f"{label}: {type(failure).__name__}: {title}"
        if key not in self.failures:
            detail = str(failure).strip()[:600]
            self.failures[key] = f"{detail}\n{case.as_curl_command()[:600]}"

    def report(self) -> str:
        return "\n\n".join(f"{key}\n{detail}" for key, detail in sorted(self.failures.items()))


def fuzz_operation(
    operation: Any,
    *,
    findings: Findings,
    role: str,
    call: Callable[[Any], Any],
    known_ids: dict[str, str],
    examples: int,
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> None:
    """``examples`` generated requests of one operation; half name existing items by id."""
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS

    @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: Any, use_known: bool) -> None:
        if use_known and case.path_parameters:
            for name in case.path_parameters:
                if name in known_ids:
                    case.path_parameters[name] = known_ids[name]
        findings.observe(case, call(case), checks, role)

    try:
        exercise()
    except Unsatisfiable:
        # Nothing in the operation can be made invalid (no parameters, no body): no negative case
        if mode is not GenerationMode.NEGATIVE:
            raise


def run_stateful(
    schema: Any,
    *,
    findings: Findings,
    role: str,
    call_kwargs: dict[str, Any],
    protect: Callable[[Any], None],
    scenarios: int,
    steps: int,
) -> None:
    """``scenarios`` call sequences of up to ``steps`` calls along the inferred links."""
    machine = schema.as_state_machine()

    class Scenario(machine):  # type: ignore[misc, valid-type]
        def before_call(self, case: Any) -> None:
            protect(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return call_kwargs

        def validate_response(self, response: Any, case: Any, *_: Any, **__: Any) -> None:
            findings.observe(
                case, response, STATEFUL_CHECKS, f"{role} (stateful)", recorder=self.recorder
            )

    Scenario.run(
        settings=settings(
            max_examples=scenarios,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )


def inferred_links(schema: Any) -> int:
    """How many links schemathesis inferred from the document (after ``as_state_machine``)."""
    return int(schema.statistic.transitions.total)
