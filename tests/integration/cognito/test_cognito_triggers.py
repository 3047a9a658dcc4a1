"""The cognito Lambda on moto: Cognito-shaped trigger events in, the profile, the GENERAL group
and the login record out, with the production factory."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lambdas.cognito import handler as cognito_handler
from strata.accounts.factory import build_account_triggers
from strata.config import Settings, get_settings
from strata.models import GroupCreate
from strata.store.factory import Repositories, build_repositories
from tests.fixtures.ingestion import LambdaContextStub
from tests.support.cognito_events import attributes_of, post_authentication, post_confirmation
from tests.support.moto_server import MotoServer

PASSWORD = "Correct-Horse-Battery-9"


@dataclass
class Pool:
    id: str
    client_id: str
    cognito: Any

    def sign_up(self, email: str, **attributes: str) -> str:
        """A self sign-up confirmed as the user would; returns the user name Cognito assigned."""
        extra = [{"Name": name, "Value": value} for name, value in attributes.items()]
        self.cognito.sign_up(
            ClientId=self.client_id,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}, *extra],
        )
        self.cognito.admin_confirm_sign_up(UserPoolId=self.id, Username=email)
        return str(self.cognito.admin_get_user(UserPoolId=self.id, Username=email)["Username"])

    def members_of(self, group: str) -> list[str]:
        users = self.cognito.list_users_in_group(UserPoolId=self.id, GroupName=group)["Users"]
        return [str(user["Username"]) for user in users]


@pytest.fixture
def pool(moto_server: MotoServer) -> Pool:
    cognito = moto_server.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=f"strata-test-{uuid.uuid4().hex[:8]}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")[
        "UserPoolClient"
    ]["ClientId"]
    for group in ("ADMIN", "DEVELOPERS", "GENERAL"):
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    return Pool(pool_id, client_id, cognito)


@pytest.fixture
def platform(
    moto_server: MotoServer, main_table: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server.endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "strata-test-cognito",
        "STRATA_TABLE_NAME": main_table,
        "STRATA_TOKEN_SECRET": "integration-test-secret-0123456789",
    }.items():
        monkeypatch.setenv(name, value)
    caches = (get_settings, build_account_triggers, build_repositories)
    for cache in caches:
        cache.cache_clear()
    yield get_settings()
    for cache in caches:
        cache.cache_clear()


@pytest.fixture
def repos(platform: Settings) -> Repositories:
    return build_repositories(platform)


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = cognito_handler.handler(event, LambdaContextStub())
    return response


def test_a_confirmed_sign_up_twice_makes_one_profile_in_general(
    pool: Pool, repos: Repositories
) -> None:
    # Given a self sign-up confirmed in the pool, and GENERAL kept as a group in the table too
    user_name = pool.sign_up("ada@example.com", given_name="Ada", family_name="Lovelace")
    attributes = attributes_of(pool.cognito, pool.id, user_name)
    admin = "admin-0001"
    repos.groups.create(GroupCreate(group_id="GENERAL", name="General"), owner_id=admin)
    event = post_confirmation(pool.id, user_name, attributes)

    # When Cognito delivers the confirmation twice (a retry after a timeout)
    first = invoke(copy.deepcopy(event))
    second = invoke(copy.deepcopy(event))

    # Then each call returns the event unchanged, as Cognito requires
    assert first == event
    assert second == event
    # And there is one profile, made from the attributes
    sub = attributes["sub"]
    users = repos.users.list_users(limit=10).items
    assert [u.user_id for u in users] == [sub]
    profile = users[0]
    assert (profile.email, profile.first_name, profile.last_name) == (
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert profile.metadata.email_verified is (attributes.get("email_verified") == "true")
    assert profile.login_count == 0
    # And one membership of GENERAL, counted once, in the table and in Cognito
    memberships = repos.groups.groups_of_user(sub).items
    assert [(m.group_id, m.role.value) for m in memberships] == [("GENERAL", "member")]
    assert repos.groups.get("GENERAL").stats.member_count == 2  # the owner and the new user
    assert pool.members_of("GENERAL") == [user_name]


def test_general_is_joined_in_cognito_when_the_table_has_no_such_group(
    pool: Pool, repos: Repositories
) -> None:
    # Given a confirmed sign-up and no GENERAL item in the table
    user_name = pool.sign_up("grace@example.com")
    attributes = attributes_of(pool.cognito, pool.id, user_name)

    # When the confirmation arrives
    invoke(post_confirmation(pool.id, user_name, attributes))

    # Then the profile exists and the user is in Cognito's GENERAL group only
    assert repos.users.get(attributes["sub"]).email == "grace@example.com"
    assert repos.groups.groups_of_user(attributes["sub"]).items == []
    assert pool.members_of("GENERAL") == [user_name]


def test_each_sign_in_is_counted_and_listed_in_recent_logins(
    pool: Pool, repos: Repositories
) -> None:
    # Given a confirmed user with a profile
    user_name = pool.sign_up("linus@example.com")
    attributes = attributes_of(pool.cognito, pool.id, user_name)
    invoke(post_confirmation(pool.id, user_name, attributes))

    # When they sign in twice
    event = post_authentication(pool.id, user_name, attributes)
    assert invoke(copy.deepcopy(event)) == event
    invoke(post_authentication(pool.id, user_name, attributes, new_device=True))

    # Then their profile records both logins and recentLogins lists them
    profile = repos.users.get(attributes["sub"])
    assert profile.login_count == 2
    assert profile.last_login_at is not None
    recent = repos.users.recent_logins(limit=10).items
    assert [u.user_id for u in recent] == [attributes["sub"]]
    assert recent[0].last_login_at == profile.last_login_at


def test_a_sign_in_without_a_profile_creates_it_first(pool: Pool, repos: Repositories) -> None:
    # Given a user of the pool whose confirmation never reached the function
    user_name = pool.sign_up("edsger@example.com", given_name="Edsger")
    attributes = attributes_of(pool.cognito, pool.id, user_name)

    # When they sign in
    invoke(post_authentication(pool.id, user_name, attributes))

    # Then a profile is made from the attributes and the login counted
    profile = repos.users.get(attributes["sub"])
    assert (profile.first_name, profile.login_count) == ("Edsger", 1)


def test_a_confirmed_password_reset_changes_nothing(pool: Pool, repos: Repositories) -> None:
    # Given a user of the pool
    user_name = pool.sign_up("barbara@example.com")
    attributes = attributes_of(pool.cognito, pool.id, user_name)
    event = post_confirmation(
        pool.id, user_name, attributes, trigger_source="PostConfirmation_ConfirmForgotPassword"
    )

    # When Cognito reports a confirmed password reset
    response = invoke(copy.deepcopy(event))

    # Then the event comes back untouched and no profile or membership was made
    assert response == event
    assert repos.users.find(attributes["sub"]) is None
    assert pool.members_of("GENERAL") == []
