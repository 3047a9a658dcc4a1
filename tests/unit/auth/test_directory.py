"""The Cognito adapter: the exact admin calls it makes, and Cognito's errors mapped once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from strata.auth.directory import CognitoDirectory, DirectoryAccount
from strata.errors import (
    Conflict,
    NotFound,
    StrataError,
    Throttled,
    Unavailable,
    ValidationError,
)

POOL = "us-east-1_pool"


@dataclass
class RecordingClient:
    """A cognito-idp client double: records each call; answers or raises what it is given."""

    answers: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __getattr__(self, operation: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((operation, kwargs))
            answer = self.answers.get(operation, {})
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return call


def client_error(code: str, message: str = "from Cognito") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Operation")


def test_create_user_invites_by_email_and_returns_the_sub() -> None:
    client = RecordingClient(
        {
            "admin_create_user": {
                "User": {
                    "Username": "name",
                    "Attributes": [
                        {"Name": "email", "Value": "a@b.io"},
                        {"Name": "sub", "Value": "sub-1"},
                    ],
                }
            }
        }
    )
    assert CognitoDirectory(client, POOL).create_user("a@b.io", name="Ann Lee") == "sub-1"
    assert client.calls == [
        (
            "admin_create_user",
            {
                "UserPoolId": POOL,
                "Username": "a@b.io",
                "UserAttributes": [
                    {"Name": "email", "Value": "a@b.io"},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": "Ann Lee"},
                ],
                "DesiredDeliveryMediums": ["EMAIL"],
            },
        )
    ]


def test_create_user_without_a_name_or_a_sub_attribute() -> None:
    client = RecordingClient({"admin_create_user": {"User": {"Username": "u-9", "Attributes": []}}})
    assert CognitoDirectory(client, POOL).create_user("a@b.io") == "u-9"
    assert len(client.calls[0][1]["UserAttributes"]) == 2


def test_create_user_when_cognito_returns_no_attributes_at_all() -> None:
    # Given a response whose user carries no Attributes list (the field is optional)
    client = RecordingClient({"admin_create_user": {"User": {"Username": "sub-7"}}})
    # Then the username (the sub, for an e-mail pool) is the user's id
    assert CognitoDirectory(client, POOL).create_user("a@b.io") == "sub-7"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"Enabled": True, "UserStatus": "CONFIRMED"}, DirectoryAccount(True, True)),
        ({"Enabled": True, "UserStatus": "EXTERNAL_PROVIDER"}, DirectoryAccount(True, True)),
        ({"Enabled": False, "UserStatus": "CONFIRMED"}, DirectoryAccount(False, True)),
        ({"Enabled": True, "UserStatus": "FORCE_CHANGE_PASSWORD"}, DirectoryAccount(True, False)),
        ({"UserStatus": "UNCONFIRMED"}, DirectoryAccount(True, False)),
        ({"Enabled": True}, DirectoryAccount(True, False)),
    ],
)
def test_account_reads_enabled_and_confirmed(
    answer: dict[str, Any], expected: DirectoryAccount
) -> None:
    client = RecordingClient({"admin_get_user": answer})
    assert CognitoDirectory(client, POOL).account("sub-1") == expected
    assert client.calls == [("admin_get_user", {"UserPoolId": POOL, "Username": "sub-1"})]


def test_an_account_is_usable_only_when_enabled_and_confirmed() -> None:
    assert DirectoryAccount(True, True).usable
    assert not DirectoryAccount(False, True).usable
    assert not DirectoryAccount(True, False).usable


def test_an_account_cognito_does_not_have_is_none() -> None:
    client = RecordingClient({"admin_get_user": client_error("UserNotFoundException")})
    assert CognitoDirectory(client, POOL).account("gone") is None


@pytest.mark.parametrize(
    ("method", "operation"),
    [
        ("delete_user", "admin_delete_user"),
        ("disable_user", "admin_disable_user"),
        ("enable_user", "admin_enable_user"),
        ("sign_out_everywhere", "admin_user_global_sign_out"),
    ],
)
def test_account_operations_address_the_user_by_sub(method: str, operation: str) -> None:
    client = RecordingClient()
    getattr(CognitoDirectory(client, POOL), method)("sub-1")
    assert client.calls == [(operation, {"UserPoolId": POOL, "Username": "sub-1"})]


@pytest.mark.parametrize(
    ("method", "operation"),
    [
        ("delete_user", "admin_delete_user"),
        ("disable_user", "admin_disable_user"),
        ("sign_out_everywhere", "admin_user_global_sign_out"),
    ],
)
def test_stopping_an_account_that_is_gone_is_done(method: str, operation: str) -> None:
    client = RecordingClient({operation: client_error("UserNotFoundException")})
    getattr(CognitoDirectory(client, POOL), method)("gone")


def test_enabling_an_account_that_is_gone_is_not_found() -> None:
    client = RecordingClient({"admin_enable_user": client_error("UserNotFoundException")})
    with pytest.raises(NotFound):
        CognitoDirectory(client, POOL).enable_user("gone")


def test_groups_are_created_once_with_a_bounded_description() -> None:
    client = RecordingClient()
    directory = CognitoDirectory(client, POOL)
    directory.ensure_group("team", "d" * 3000)
    directory.ensure_group("bare")
    assert client.calls == [
        ("create_group", {"UserPoolId": POOL, "GroupName": "team", "Description": "d" * 2048}),
        ("create_group", {"UserPoolId": POOL, "GroupName": "bare"}),
    ]
    existing = RecordingClient({"create_group": client_error("GroupExistsException")})
    CognitoDirectory(existing, POOL).ensure_group("team")


def test_group_membership_and_deletion() -> None:
    client = RecordingClient()
    directory = CognitoDirectory(client, POOL)
    directory.add_to_group("sub-1", "team")
    directory.remove_from_group("sub-1", "team")
    directory.delete_group("team")
    membership = {"UserPoolId": POOL, "Username": "sub-1", "GroupName": "team"}
    assert client.calls == [
        ("admin_add_user_to_group", membership),
        ("admin_remove_user_from_group", membership),
        ("delete_group", {"UserPoolId": POOL, "GroupName": "team"}),
    ]
    gone = RecordingClient(
        {
            "admin_remove_user_from_group": client_error("UserNotFoundException"),
            "delete_group": client_error("ResourceNotFoundException"),
        }
    )
    CognitoDirectory(gone, POOL).remove_from_group("sub-1", "team")
    CognitoDirectory(gone, POOL).delete_group("team")
    with pytest.raises(NotFound):
        CognitoDirectory(
            RecordingClient({"admin_add_user_to_group": client_error("UserNotFoundException")}),
            POOL,
        ).add_to_group("sub-1", "team")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("UsernameExistsException", Conflict),
        ("GroupExistsException", Conflict),
        ("UserNotFoundException", NotFound),
        ("ResourceNotFoundException", NotFound),
        ("InvalidParameterException", ValidationError),
        ("TooManyRequestsException", Throttled),
        ("LimitExceededException", Throttled),
        ("InternalErrorException", Unavailable),
    ],
)
def test_cognito_errors_map_to_strata_errors(code: str, error: type[StrataError]) -> None:
    client = RecordingClient({"admin_add_user_to_group": client_error(code, "why")})
    with pytest.raises(error) as caught:
        CognitoDirectory(client, POOL).add_to_group("sub-1", "team")
    assert type(caught.value) is error
    assert caught.value.details == {"operation": "admin_add_user_to_group"}
    if code != "UsernameExistsException":  # said plainly, below
        assert caught.value.message == "user directory: why"


def test_an_existing_address_is_said_plainly() -> None:
    client = RecordingClient({"admin_create_user": client_error("UsernameExistsException")})
    with pytest.raises(Conflict) as caught:
        CognitoDirectory(client, POOL).create_user("a@b.io")
    assert caught.value.message == (
        "user directory: a user with this e-mail address already exists"
    )


def test_an_error_without_a_message_names_its_code() -> None:
    bare = ClientError({"Error": {"Code": "InternalErrorException"}}, "Operation")
    with pytest.raises(Unavailable, match="user directory: InternalErrorException"):
        CognitoDirectory(RecordingClient({"delete_group": bare}), POOL).delete_group("g")


def test_no_answer_from_cognito_is_unavailable() -> None:
    down = EndpointConnectionError(endpoint_url="https://cognito-idp.example")
    with pytest.raises(Unavailable) as caught:
        CognitoDirectory(RecordingClient({"admin_get_user": down}), POOL).account("sub-1")
    assert caught.value.message == "the user directory did not answer"
    assert caught.value.details == {"operation": "admin_get_user"}


@pytest.mark.parametrize("response", [{}, {"Error": {}}], ids=["no-error", "no-code"])
def test_a_client_error_without_a_code_is_unavailable(response: dict[str, Any]) -> None:
    # Given Cognito (or a proxy in front of it) answering an error that names no code
    client = RecordingClient({"admin_enable_user": ClientError(response, "AdminEnableUser")})
    # Then it is a dependency failure, said as it came: no code, no message
    with pytest.raises(Unavailable) as caught:
        CognitoDirectory(client, POOL).enable_user("u1")
    assert caught.value.message == "user directory: "
    assert caught.value.details == {"operation": "admin_enable_user"}
