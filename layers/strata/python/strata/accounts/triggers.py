"""What happens when Cognito confirms a sign-up or authenticates a user.

Cognito calls the post-confirmation trigger once per confirmation, but retries it when the call
fails or times out, so the same confirmation may arrive twice: every step is idempotent (the
profile is created only when absent, a membership that exists is kept, adding a Cognito group
member twice changes nothing). Post-authentication moves the user to the head of the recent
logins and counts the login.

Events are read through Powertools' Cognito event data classes; the handler returns the event
unchanged, as Cognito requires of these two triggers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostAuthenticationTriggerEvent,
    PostConfirmationTriggerEvent,
)

from strata.auth.directory import UserDirectory
from strata.errors import Conflict, NotFound
from strata.models import CognitoClaims, User
from strata.store.groups import GroupRepository
from strata.store.users import UserRepository

logger = logging.getLogger(__name__)

CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
CONFIRM_FORGOT_PASSWORD = "PostConfirmation_ConfirmForgotPassword"  # noqa: S105 (a name)
AUTHENTICATION = "PostAuthentication_Authentication"
DEFAULT_GROUP = "GENERAL"

TriggerOutcome = Literal["profile-created", "profile-kept", "login-recorded", "ignored"]


@dataclass(frozen=True)
class TriggerResult:
    """What one trigger call did (the handler turns it into a metric)."""

    outcome: TriggerOutcome
    trigger_source: str
    user_id: str | None = None


def claims_from_attributes(user_name: str, attributes: Mapping[str, str]) -> CognitoClaims:
    """The profile's source: the user's attributes as Cognito passes them (all strings)."""
    return CognitoClaims.model_validate({**attributes, "cognito:username": user_name})


class AccountTriggers:
    """The post-confirmation and post-authentication triggers over the store.

    ``directory_for`` gives the user directory of a pool id: the pool is named by the event, so
    the function needs no setting (and no reference) naming its own pool.
    """

    def __init__(
        self,
        users: UserRepository,
        groups: GroupRepository,
        directory_for: Callable[[str], UserDirectory],
        *,
        default_group: str = DEFAULT_GROUP,
    ) -> None:
        self._users = users
        self._groups = groups
        self._directory_for = directory_for
        self._default_group = default_group

    def handle(self, event: dict[str, Any]) -> TriggerResult:
        """Dispatch on ``triggerSource``; sources this function does not react to are ignored."""
        source = str(event.get("triggerSource", ""))
        if source == CONFIRM_SIGN_UP:
            return self.confirmed(PostConfirmationTriggerEvent(event))
        if source == AUTHENTICATION:
            return self.authenticated(PostAuthenticationTriggerEvent(event))
        logger.info("trigger source ignored", extra={"triggerSource": source})
        return TriggerResult("ignored", source)

    def confirmed(self, event: PostConfirmationTriggerEvent) -> TriggerResult:
        """A profile from the attributes (unless one exists) and membership of the default group:
        1 GetItem (+ 1 transaction when new), the group's 1 GetItem (+ 1 transaction when the
        group exists in the table and the user is not in it yet), 1 AdminAddUserToGroup."""
        claims = claims_from_attributes(event.user_name, event.request.user_attributes)
        created = self._users.find(claims.sub) is None
        if created:
            self._users.upsert_from_claims(claims)
        self._join_default_group(claims.sub, event.user_name, event.user_pool_id)
        outcome: TriggerOutcome = "profile-created" if created else "profile-kept"
        logger.info("sign-up confirmed", extra={"userId": claims.sub, "outcome": outcome})
        return TriggerResult(outcome, event.trigger_source, claims.sub)

    def authenticated(self, event: PostAuthenticationTriggerEvent) -> TriggerResult:
        """lastLoginAt and loginCount: 1 UpdateItem. A user without a profile (signed up before
        the trigger existed, or whose confirmation failed half-way) gets one first."""
        claims = claims_from_attributes(event.user_name, event.request.user_attributes)
        user = self._record_login(claims)
        logger.info("login recorded", extra={"userId": user.user_id, "count": user.login_count})
        return TriggerResult("login-recorded", event.trigger_source, user.user_id)

    def _record_login(self, claims: CognitoClaims) -> User:
        try:
            return self._users.record_login(claims.sub)
        except NotFound:
            self._users.upsert_from_claims(claims)
            return self._users.record_login(claims.sub)

    def _join_default_group(self, user_id: str, user_name: str, pool_id: str) -> None:
        """The table first (when the group is kept there too), then Cognito: both idempotent."""
        try:
            self._groups.add_member(self._default_group, user_id)
        except Conflict:
            pass  # already a member: this confirmation was delivered before
        except NotFound:
            logger.debug("default group has no table item", extra={"group": self._default_group})
        self._directory_for(pool_id).add_to_group(user_name, self._default_group)


__all__ = [
    "AUTHENTICATION",
    "CONFIRM_FORGOT_PASSWORD",
    "CONFIRM_SIGN_UP",
    "DEFAULT_GROUP",
    "AccountTriggers",
    "TriggerResult",
    "claims_from_attributes",
]
