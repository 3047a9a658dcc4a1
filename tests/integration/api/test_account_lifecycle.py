"""Erasure and deactivation that stick, through the real handler against moto.

An ID token stays valid for up to an hour whatever happens to its account, so the API itself
must refuse a caller whose account was erased, never confirmed or deactivated, and write nothing
for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from strata.auth import Caller
from strata.errors import PermissionDenied, Unauthorized
from strata.services.access import CallerAccess
from tests.integration.api.conftest import Api
from tests.support.events import Identity

SESSION = {"title": "after"}
DOCUMENT = {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 3}


@pytest.fixture
def cognito_calls(api: Api) -> Iterator[list[str]]:
    """The Cognito operations the services call, in order."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    api.cognito.meta.events.register("before-call.cognito-idp.*", record)
    yield calls
    api.cognito.meta.events.unregister("before-call.cognito-idp.*", record)


def _account(api: Api, identity: Identity) -> dict[str, Any] | None:
    try:
        user: dict[str, Any] = api.cognito.admin_get_user(
            UserPoolId=api.pool_id, Username=identity.sub
        )
    except api.cognito.exceptions.UserNotFoundException:
        return None
    return user


def _writes_are_refused(api: Api, identity: Identity, status: int) -> None:
    for method, path, body in (
        ("GET", "/me", None),
        ("POST", "/sessions", SESSION),
        ("POST", "/documents", DOCUMENT),
        ("POST", "/memories", {"type": "FACT", "content": "still here"}),
        ("PATCH", "/me", {"firstName": "Ghost"}),
    ):
        response = api.call(method, path, identity, body=body)
        assert response.status == status, (method, path, response.raw_body)
        assert response.json()["error"]["type"] in ("Unauthorized", "PermissionDenied")


def test_an_erased_users_token_is_refused_and_nothing_is_written(
    api: Api, admin: Identity, alice: Identity, cognito_calls: list[str]
) -> None:
    # Given alice, signed in and using the API
    assert api.call("POST", "/sessions", alice, body={"title": "before"}).status == 201
    # When an administrator erases her
    assert api.call("DELETE", f"/users/{alice.sub}", admin).status == 204
    # Then her refresh tokens were revoked before her account was deleted
    assert "AdminUserGlobalSignOut" in cognito_calls
    assert cognito_calls.index("AdminUserGlobalSignOut") < cognito_calls.index("AdminDeleteUser")
    assert _account(api, alice) is None
    # And her still-valid ID token is refused everywhere, with nothing written
    _writes_are_refused(api, alice, 401)
    assert api.repositories.users.find(alice.sub) is None
    assert api.repositories.user_data.export(alice.sub).total == 0
    # And her address can be invited again
    again = api.call("POST", "/users", admin, body={"email": alice.email})
    assert again.status == 201, again.raw_body


def test_a_caller_the_directory_does_not_know_is_refused_and_gets_no_profile(api: Api) -> None:
    # Given verified claims of an account the user pool does not have (erased elsewhere)
    stranger = Identity(groups=("GENERAL",))
    # Then every request is a 401, and no profile is made from the claims
    _writes_are_refused(api, stranger, 401)
    assert api.repositories.users.find(stranger.sub) is None


def test_an_invited_account_that_never_signed_in_gets_no_profile_from_claims(api: Api) -> None:
    # Given an account created in the pool but never confirmed (FORCE_CHANGE_PASSWORD)
    email = "invited@example.com"
    created = api.cognito.admin_create_user(UserPoolId=api.pool_id, Username=email)
    sub = next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
    # Then claims naming it are refused and write nothing
    _writes_are_refused(api, Identity(sub=sub, email=email), 401)
    assert api.repositories.users.find(sub) is None


def test_a_disabled_account_without_a_profile_gets_none(api: Api) -> None:
    identity = api.account("GENERAL")
    api.cognito.admin_disable_user(UserPoolId=api.pool_id, Username=identity.sub)
    _writes_are_refused(api, identity, 401)
    assert api.repositories.users.find(identity.sub) is None


def test_deactivation_disables_and_signs_out_and_the_api_refuses_until_reactivated(
    api: Api, admin: Identity, alice: Identity, cognito_calls: list[str]
) -> None:
    # When an administrator deactivates alice
    response = api.call("PATCH", f"/users/{alice.sub}", admin, body={"isActive": False})
    assert response.status == 200, response.raw_body
    assert response.json()["isActive"] is False
    # Then her Cognito account is disabled and signed out everywhere
    account = _account(api, alice)
    assert account is not None
    assert account["Enabled"] is False
    assert {"AdminDisableUser", "AdminUserGlobalSignOut"} <= set(cognito_calls)
    # And the API refuses her still-valid token, writing nothing
    _writes_are_refused(api, alice, 403)
    assert api.repositories.chat.list_sessions(alice.sub, limit=10).items == []
    # When she is reactivated
    response = api.call("PATCH", f"/users/{alice.sub}", admin, body={"isActive": True})
    assert response.status == 200, response.raw_body
    # Then her account is enabled and she is served again
    account = _account(api, alice)
    assert account is not None
    assert account["Enabled"] is True
    assert api.call("GET", "/me", alice).status == 200
    assert api.call("POST", "/sessions", alice, body=SESSION).status == 201


def test_another_container_learns_of_a_deactivation_within_its_cache_time(
    api: Api, alice: Identity
) -> None:
    # Given another container's admission, which admitted alice a moment ago
    now = [1000.0]
    other = CallerAccess(
        api.repositories.users, api.services.users._directory, monotonic=lambda: now[0]
    )
    assert api.services.access is not other
    alice_caller = Caller(user_id=alice.sub, email=alice.email)
    other.admit(alice_caller)
    # When alice is deactivated through this container
    api.repositories.users.deactivate(alice.sub)
    # Then the other container admits her from its cache for at most a minute, then refuses
    now[0] += 59.0
    other.admit(alice_caller)
    now[0] += 1.0
    with pytest.raises(PermissionDenied):
        other.admit(alice_caller)


def test_an_erased_caller_is_refused_by_a_container_that_admitted_them_after_a_minute(
    api: Api, admin: Identity, alice: Identity
) -> None:
    now = [0.0]
    other = CallerAccess(
        api.repositories.users, api.services.users._directory, monotonic=lambda: now[0]
    )
    alice_caller = Caller(user_id=alice.sub, email=alice.email)
    other.admit(alice_caller)
    assert api.call("DELETE", f"/users/{alice.sub}", admin).status == 204
    now[0] += 60.0
    with pytest.raises(Unauthorized):
        other.admit(alice_caller)
    assert api.repositories.users.find(alice.sub) is None


def test_erasing_a_group_owner_hands_the_group_to_its_longest_standing_member(
    api: Api, admin: Identity, alice: Identity, bob: Identity
) -> None:
    # Given a group created (and so owned) by an administrator, whom alice then bob joined
    founder = api.user("ADMIN")
    assert api.call("POST", "/groups", founder, body={"groupId": "club", "name": "C"}).status == 201
    for member in (alice, bob):
        put = api.call("PUT", f"/groups/club/members/{member.sub}", admin, body={})
        assert put.status in (200, 201), put.raw_body
    # When the founder is erased
    assert api.call("DELETE", f"/users/{founder.sub}", admin).status == 204
    # Then alice, the longest-standing member, owns the group, and the count is right
    group = api.call("GET", "/groups/club", admin).json()
    assert group["ownerId"] == alice.sub
    assert group["stats"]["memberCount"] == 2
    roles = {
        m["userId"]: m["role"]
        for m in api.call("GET", "/groups/club/members", admin).json()["items"]
    }
    assert roles == {alice.sub: "owner", bob.sub: "member"}


def test_erasing_the_only_member_of_a_group_deletes_the_group(api: Api, admin: Identity) -> None:
    # Given a group whose owner is its only member
    founder = api.user("ADMIN")
    assert api.call("POST", "/groups", founder, body={"groupId": "solo", "name": "S"}).status == 201
    # When the owner is erased
    assert api.call("DELETE", f"/users/{founder.sub}", admin).status == 204
    # Then the group is gone, from the table and from Cognito
    assert api.call("GET", "/groups/solo", admin).status == 404
    with pytest.raises(api.cognito.exceptions.ResourceNotFoundException):
        api.cognito.get_group(GroupName="solo", UserPoolId=api.pool_id)
