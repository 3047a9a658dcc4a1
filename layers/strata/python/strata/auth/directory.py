"""The Cognito user pool as the API needs it: create users, keep group membership in step.

Cognito owns identities and passwords; the table owns profiles. The adapter maps the client's
errors to :mod:`strata.errors` once, so services never see a botocore exception.
"""

from __future__ import annotations

from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from strata.errors import Conflict, NotFound, StrataError, Throttled, Unavailable, ValidationError


class UserDirectory(Protocol):
    """What services need from the identity provider."""

    def create_user(self, email: str, *, name: str | None = None) -> str:
        """Create a user who receives an invitation e-mail; returns their ``sub``."""
        ...

    def delete_user(self, user_id: str) -> None: ...

    def ensure_group(self, group_name: str, description: str | None = None) -> None: ...

    def delete_group(self, group_name: str) -> None: ...

    def add_to_group(self, user_id: str, group_name: str) -> None: ...

    def remove_from_group(self, user_id: str, group_name: str) -> None: ...


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
