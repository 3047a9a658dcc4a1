"""Who may use the API: a signed-in caller whose account still exists and is active.

API Gateway verifies the ID token's signature and expiry, nothing more: a token stays valid for
up to an hour after its account was erased or deactivated. So every authenticated request is
admitted here first:

- The profile is the record of an account the platform knows. A caller with a profile is
  admitted while ``isActive`` is true; a deactivated one is refused (403).
- A caller without a profile (the post-confirmation trigger has not run, or has failed) gets one
  from their claims only after the user directory confirms that the account exists, is enabled
  and has signed in. An erased account is gone from the directory, so its still-valid token is
  refused (401) and nothing is written: erasure sticks.
- What a request learns is kept per container for at most :data:`ADMISSION_TTL_SECONDS`, so a
  caller costs one GetItem a minute per warm container, and a deactivation or erasure reaches
  every container within that minute. The container that made the change forgets at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from strata.auth import Caller
from strata.auth.directory import UserDirectory
from strata.errors import PermissionDenied, Unauthorized
from strata.models import CognitoClaims, User
from strata.store.users import UserRepository

ADMISSION_TTL_SECONDS = 60.0
MAX_REMEMBERED = 10_000

DEACTIVATED = "this account is deactivated; ask an administrator"
UNKNOWN_ACCOUNT = "this account no longer exists or has not been confirmed; sign in again"


@dataclass(frozen=True)
class _Verdict:
    active: bool
    known: bool
    until: float


class CallerAccess:
    """Admits callers; one per container (it lives in the cached services)."""

    def __init__(
        self,
        users: UserRepository,
        directory: UserDirectory,
        *,
        ttl_seconds: float = ADMISSION_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        max_remembered: int = MAX_REMEMBERED,
    ) -> None:
        self._users = users
        self._directory = directory
        self._ttl = ttl_seconds
        self._now = monotonic
        self._max = max_remembered
        self._verdicts: OrderedDict[str, _Verdict] = OrderedDict()

    def admit(self, caller: Caller) -> None:
        """Refuse an unknown (401) or deactivated (403) caller: 1 GetItem per caller per
        container per minute, plus 1 AdminGetUser (and the profile's creation) for a caller
        without a profile."""
        verdict = self._verdicts.get(caller.user_id)
        if verdict is None or verdict.until <= self._now():
            found = self._users.find(caller.user_id)
            if found is None:
                self.adopt(caller)  # refuses, or creates an active profile
                return
            verdict = self.observe(found)
        _enforce(verdict)

    def profile(self, caller: Caller) -> User:
        """The caller's own profile, read fresh (1 GetItem), refused as :meth:`admit` would."""
        found = self._users.find(caller.user_id)
        user = found if found is not None else self.adopt(caller)
        _enforce(self.observe(user))
        return user

    def adopt(self, caller: Caller) -> User:
        """A profile from the caller's claims, for an account the directory still has, enabled
        and confirmed; otherwise Unauthorized, with nothing written."""
        account = self._directory.account(caller.user_id) if caller.email else None
        if account is None or not account.usable:
            self._remember(caller.user_id, _Verdict(False, False, self._now() + self._ttl))
            raise Unauthorized(UNKNOWN_ACCOUNT)
        user = self._users.upsert_from_claims(
            CognitoClaims.model_validate(
                {
                    "sub": caller.user_id,
                    "email": caller.email,
                    "cognito:groups": sorted(caller.groups),
                }
            )
        )
        self.observe(user)
        return user

    def observe(self, user: User) -> _Verdict:
        """Remember what a profile just read or written says about its account."""
        verdict = _Verdict(user.is_active, True, self._now() + self._ttl)
        self._remember(user.user_id, verdict)
        return verdict

    def forget(self, user_id: str) -> None:
        """Drop what this container knows of ``user_id`` (after its deactivation or erasure)."""
        self._verdicts.pop(user_id, None)

    def _remember(self, user_id: str, verdict: _Verdict) -> None:
        self._verdicts[user_id] = verdict
        self._verdicts.move_to_end(user_id)
        while len(self._verdicts) > self._max:
            self._verdicts.popitem(last=False)


def _enforce(verdict: _Verdict) -> None:
    if not verdict.known:
        raise Unauthorized(UNKNOWN_ACCOUNT)
    if not verdict.active:
        raise PermissionDenied(DEACTIVATED)
