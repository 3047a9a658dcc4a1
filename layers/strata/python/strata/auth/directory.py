"""The Cognito user pool as the API needs it: create users, keep group membership in step.

Cognito owns identities and passwords; the table owns profiles. The adapter maps the client's
errors to :mod:`strata.errors` once, so services never see a botocore exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from strata.errors import Conflict, NotFound, StrataError, Throttled, Unavailable, ValidationError


@dataclass(frozen=True)
class DirectoryAccount:
    """What the directory says about an account: whether it may sign in at all."""

    enabled: bool
    confirmed: bool

    @property
    def usable(self) -> bool:
        return self.enabled and self.confirmed


class UserDirectory(Protocol):
    """What services need from the identity provider."""

    def account(self, user_id: str) -> DirectoryAccount | None:
        """The account of ``user_id``, or None when the directory has none (never, or erased)."""
        ...

    def disable_user(self, user_id: str) -> None:
        """Stop the account from signing in (and from refreshing its tokens)."""
        ...

    def enable_user(self, user_id: str) -> None: ...

    def sign_out_everywhere(self, user_id: str) -> None:
        """Revoke every refresh token of the account (issued ID tokens run until they expire)."""
        ...

    def create_user(self, email: str, *, name: str | None = None) -> str:
        """Create a user who receives an invitation e-mail; returns their ``sub``."""
        ...

    def delete_user(self, user_id: str) -> None: ...

    def ensure_group(self, group_name: str, description: str | None = None) -> None: ...

    def delete_group(self, group_name: str) -> None: ...

    def add_to_group(self, user_id: str, group_name: str) -> None: ...

    def remove_from_group(self, user_id: str, group_name: str) -> None: ...


# Statuses of an account that has signed in (or may, with its own password): CONFIRMED, and
# EXTERNAL_PROVIDER for federated users. FORCE_CHANGE_PASSWORD (invited, never signed in),
# UNCONFIRMED and RESET_REQUIRED accounts cannot hold an ID token.
CONFIRMED_STATUSES = frozenset({"CONFIRMED", "EXTERNAL_PROVIDER"})

_CLIENT_ERRORS: dict[str, type[StrataError]] = {
    "UsernameExistsException": Conflict,
    "GroupExistsException": Conflict,
    "UserNotFoundException": NotFound,
    "ResourceNotFoundException": NotFound,
    "InvalidParameterException": ValidationError,
    "TooManyRequestsException": Throttled,
    "LimitExceededException": Throttled,
}


class CognitoDirectory:
    """:class:`UserDirectory` over a ``cognito-idp`` client. Users are addressed by ``sub``.

    A user pool configured for e-mail sign-in uses the ``sub`` as the immutable username, so
    every admin call can take the ``sub`` directly.
    """

    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def create_user(self, email: str, *, name: str | None = None) -> str:
        attributes = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ]
        if name:
            attributes.append({"Name": "name", "Value": name})
        response = self._call(
            "admin_create_user",
            UserPoolId=self._pool,
            Username=email,
            UserAttributes=attributes,
            DesiredDeliveryMediums=["EMAIL"],
        )
        user = response["User"]
        for attribute in user.get("Attributes", []):
            if attribute["Name"] == "sub":
                return str(attribute["Value"])
        return str(user["Username"])

    def account(self, user_id: str) -> DirectoryAccount | None:
        try:
            user = self._call("admin_get_user", UserPoolId=self._pool, Username=user_id)
        except NotFound:
            return None
        return DirectoryAccount(
            enabled=bool(user.get("Enabled", True)),
            confirmed=user.get("UserStatus") in CONFIRMED_STATUSES,
        )

    def disable_user(self, user_id: str) -> None:
        try:
            self._call("admin_disable_user", UserPoolId=self._pool, Username=user_id)
        except NotFound:
            return

    def enable_user(self, user_id: str) -> None:
        self._call("admin_enable_user", UserPoolId=self._pool, Username=user_id)

    def sign_out_everywhere(self, user_id: str) -> None:
        try:
            self._call("admin_user_global_sign_out", UserPoolId=self._pool, Username=user_id)
        except NotFound:
            return

    def delete_user(self, user_id: str) -> None:
        try:
            self._call("admin_delete_user", UserPoolId=self._pool, Username=user_id)
        except NotFound:
            return

    def ensure_group(self, group_name: str, description: str | None = None) -> None:
        kwargs: dict[str, Any] = {"UserPoolId": self._pool, "GroupName": group_name}
        if description:
            kwargs["Description"] = description[:2048]
        try:
            self._call("create_group", **kwargs)
        except Conflict:
            return

    def delete_group(self, group_name: str) -> None:
        try:
            self._call("delete_group", UserPoolId=self._pool, GroupName=group_name)
        except NotFound:
            return

    def add_to_group(self, user_id: str, group_name: str) -> None:
        self._call(
            "admin_add_user_to_group",
            UserPoolId=self._pool,
            Username=user_id,
            GroupName=group_name,
        )

    def remove_from_group(self, user_id: str, group_name: str) -> None:
        try:
            self._call(
                "admin_remove_user_from_group",
                UserPoolId=self._pool,
                Username=user_id,
                GroupName=group_name,
            )
        except NotFound:
            return

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", code)
            error_class = _CLIENT_ERRORS.get(code, Unavailable)
            if code == "UsernameExistsException":
                message = "a user with this e-mail address already exists"
            raise error_class(
                f"user directory: {message}", details={"operation": operation}
            ) from exc
        except BotoCoreError as exc:
            raise Unavailable(
                "the user directory did not answer", details={"operation": operation}
            ) from exc
