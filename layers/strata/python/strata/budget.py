"""Time budgets: every outbound call fits in what is left of the invocation.

A handler opens :func:`invocation_deadline` with its Lambda context; inside it, every call to
Bedrock, OpenSearch, S3, DynamoDB or Cognito gets a read timeout of at most the time left (minus a
reserve to answer), and a call or retry that could not finish in time is not started: it fails as
:class:`~strata.errors.Unavailable` while the function can still say so, instead of the caller
getting a 504 while the function keeps working.

- boto3 clients: :func:`budgeted` registers a ``before-send`` hook, run before *every* attempt
  (botocore's own retries included), that sets the request's ``read_timeout`` (botocore honours
  it per request) or refuses the attempt.
- opensearch-py: :func:`call_timeout` gives the ``request_timeout`` of each request.
- Threads: the deadline lives in a context variable; :func:`in_context` carries it into a pool.

Outside a deadline (tests, the local stack's own calls) the clients' configured timeouts apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar, copy_context
from typing import Any, ParamSpec, TypeVar

from strata.errors import Unavailable

P = ParamSpec("P")
R = TypeVar("R")

# Kept back from the Lambda's remaining time to log, count and answer after the last call.
DEFAULT_RESERVE_SECONDS = 1.0
# A call with less time than this left is not worth starting.
MIN_CALL_SECONDS = 0.25

_current: ContextVar[Deadline | None] = ContextVar("strata_deadline", default=None)


class Deadline:
    """A point in time (on ``clock``) by which the invocation's outbound work must be done."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._at = clock() + seconds

    def remaining(self) -> float:
        return self._at - self._clock()

    def timeout(self, cap: float, *, operation: str) -> float:
        """The timeout for one call: ``cap``, or less when less time is left. Raises
        :class:`Unavailable` when not even :data:`MIN_CALL_SECONDS` is left."""
        left = self.remaining()
        if left < MIN_CALL_SECONDS:
            raise Unavailable(
                "the request ran out of time before it could finish; try again",
                details={"operation": operation, "secondsLeft": round(max(left, 0.0), 3)},
            )
        return min(cap, left)


def current_deadline() -> Deadline | None:
    return _current.get()


def seconds_left() -> float | None:
    """Time left in the current deadline, or ``None`` outside one."""
    deadline = _current.get()
    return None if deadline is None else deadline.remaining()


def call_timeout(cap: float, *, operation: str) -> float:
    """The timeout for one outbound call: ``cap`` outside a deadline, else bounded by it."""
    deadline = _current.get()
    return cap if deadline is None else deadline.timeout(cap, operation=operation)


class _DeadlineScope:
    """The block of a deadline: chosen when the block is entered, the outer one restored after.

    A class rather than ``@contextmanager``: every invocation of every function opens one, and
    a generator-based context manager costs several calls more on each side of the block.
    """

    __slots__ = ("_clock", "_seconds", "_token")

    def __init__(self, seconds: Callable[[], float], clock: Callable[[], float]) -> None:
        self._seconds = seconds
        self._clock = clock

    def __enter__(self) -> Deadline:
        outer = _current.get()
        mine = Deadline(self._seconds(), clock=self._clock)
        chosen = outer if outer is not None and outer.remaining() < mine.remaining() else mine
        self._token = _current.set(chosen)
        return chosen

    def __exit__(self, *_: object) -> None:
        _current.reset(self._token)


def deadline(
    seconds: float, *, clock: Callable[[], float] = time.monotonic
) -> AbstractContextManager[Deadline]:
    """Bound every outbound call inside the block to ``seconds`` from now (nested: the earlier
    of the two deadlines wins)."""
    return _DeadlineScope(lambda: seconds, clock)


def invocation_deadline(
    context: Any,
    *,
    reserve: float = DEFAULT_RESERVE_SECONDS,
    limit: float | None = None,
) -> AbstractContextManager[Deadline]:
    """The deadline of one Lambda invocation: its remaining time minus ``reserve``, and at most
    ``limit`` seconds (API Gateway gives up at 29 s whatever the function's timeout)."""

    def seconds() -> float:
        left = float(context.get_remaining_time_in_millis()) / 1000.0 - reserve
        return left if limit is None else min(left, limit - reserve)

    return _DeadlineScope(seconds, time.monotonic)


def in_context(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` bound to a copy of the caller's context (its deadline), for a thread pool."""
    context = copy_context()

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return context.copy().run(function, *args, **kwargs)

    return run


def budgeted(client: Any) -> Any:
    """Bound every attempt of every call of boto3 ``client`` by the current deadline."""
    cap = float(client.meta.config.read_timeout)

    def before_send(request: Any, event_name: str = "", **_: Any) -> None:
        deadline_now = _current.get()
        if deadline_now is None:
            return
        operation = event_name.removeprefix("before-send.")
        request.context["read_timeout"] = deadline_now.timeout(cap, operation=operation)

    client.meta.events.register("before-send", before_send)
    return client
