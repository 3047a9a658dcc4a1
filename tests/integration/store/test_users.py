"""Users: upsert from Cognito claims, unique email, lists, logins, versioned updates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from strata.clock import ManualClock
from strata.errors import Conflict, NotFound
from strata.models import AdminUserUpdate, UserRole, UserUpdate
from strata.store import keys
from strata.store.factory import Repositories
from tests.integration.store.conftest import claims


def test_upsert_creates_then_refreshes_the_profile(repos: Repositories) -> None:
    # Given claims of a new user
    created = repos.users.upsert_from_claims(
        claims("u1", "Ann@Example.com", given_name="Ann", email_verified=True)
    )
    assert (created.email, created.first_name, created.version) == ("ann@example.com", "Ann", 1)
    assert created.metadata.email_verified

    # When the same claims arrive again with a new group and name
    again = repos.users.upsert_from_claims(
        claims("u1", "ann@example.com", given_name="Annie", **{"cognito:groups": ["ADMIN"]})
    )

    # Then the same profile is refreshed, not duplicated
    assert (again.first_name, again.role, again.version) == ("Annie", UserRole.ADMIN, 2)
    assert repos.users.list_users().items == [again]


def test_an_email_belongs_to_one_account(repos: Repositories) -> None:
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    with pytest.raises(Conflict, match="another account"):
        repos.users.upsert_from_claims(claims("u2", "A@X.io"))
    assert repos.users.find("u2") is None


def test_changing_email_moves_the_uniqueness_item(repos: Repositories) -> None:
    # Given two users
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    repos.users.upsert_from_claims(claims("u2", "b@x.io"))

    # When u1 changes to b's email it is refused; to a new one it moves
    with pytest.raises(Conflict):
        repos.users.upsert_from_claims(claims("u1", "b@x.io"))
    moved = repos.users.upsert_from_claims(claims("u1", "c@x.io"))

    # Then the old email is free again and lookups follow
    assert moved.email == "c@x.io"
    assert repos.users.get_by_email("c@x.io").user_id == "u1"
    repos.users.upsert_from_claims(claims("u3", "a@x.io"))
    assert repos.users.get_by_email("a@x.io").user_id == "u3"


def test_concurrent_first_logins_create_one_profile(repos: Repositories) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        users = list(
            pool.map(lambda _: repos.users.upsert_from_claims(claims("u1", "a@x.io")), range(4))
        )
    assert {u.user_id for u in users} == {"u1"}
    assert len(repos.users.list_users().items) == 1


def test_get_by_email_and_missing_users(repos: Repositories) -> None:
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    assert repos.users.get_by_email("A@x.io").user_id == "u1"
    with pytest.raises(NotFound):
        repos.users.get_by_email("nobody@x.io")
    with pytest.raises(NotFound):
        repos.users.get("u404")


def test_admin_list_pages_across_shards_oldest_first(
    repos: Repositories, clock: ManualClock
) -> None:
    for n in range(9):
        repos.users.upsert_from_claims(claims(f"user-{n}", f"u{n}@x.io"))
        clock.advance(timedelta(seconds=1))
    seen: list[str] = []
    token = None
    while True:
        page = repos.users.list_users(limit=4, next_token=token)
        seen += [u.user_id for u in page.items]
        if (token := page.next_token) is None:
            break
    assert seen == [f"user-{n}" for n in range(9)]


def test_logins_are_counted_and_listed_newest_first(
    repos: Repositories, clock: ManualClock
) -> None:
    for n in range(5):
        repos.users.upsert_from_claims(claims(f"user-{n}", f"u{n}@x.io"))
    for n in (3, 1, 4, 1):
        clock.advance(timedelta(minutes=1))
        repos.users.record_login(f"user-{n}")
    recent = repos.users.recent_logins(limit=10)
    assert [u.user_id for u in recent.items] == ["user-1", "user-4", "user-3"]
    assert recent.items[0].login_count == 2
    assert recent.items[0].last_login_at == clock.now()
    with pytest.raises(NotFound):
        repos.users.record_login("ghost")


def test_updates_are_versioned(repos: Repositories) -> None:
    user = repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    updated = repos.users.update(
        "u1",
        UserUpdate.model_validate({"preferences": {"theme": "dark"}}),
        expected_version=user.version,
    )
    assert updated.preferences.theme == "dark"
    assert updated.email == "a@x.io"
    with pytest.raises(Conflict) as caught:
        repos.users.update("u1", AdminUserUpdate(is_active=False), expected_version=user.version)
    assert caught.value.details == {"currentVersion": updated.version}


def test_delete_frees_the_email(repos: Repositories) -> None:
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    repos.users.delete("u1")
    assert repos.users.find("u1") is None
    assert repos.users._table.get(keys.email_unique("a@x.io")) is None
    with pytest.raises(NotFound):
        repos.users.delete("u1")


def test_delete_leaves_a_uniqueness_item_that_names_another_account(
    repos: Repositories,
) -> None:
    # Given a profile whose address's uniqueness item has come to name another account
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    table = repos.users._table
    table.update(keys.email_unique("a@x.io"), set_values={"userId": "u2"})

    # When the profile is deleted
    repos.users.delete("u1")

    # Then the profile is gone, and the other account's uniqueness item stays
    assert repos.users.find("u1") is None
    kept = table.get(keys.email_unique("a@x.io"))
    assert kept is not None
    assert kept["userId"] == "u2"


def test_delete_of_a_profile_whose_uniqueness_item_is_gone(repos: Repositories) -> None:
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    repos.users._table.delete(keys.email_unique("a@x.io"))
    repos.users.delete("u1")
    assert repos.users.find("u1") is None


@pytest.mark.parametrize(
    "look_alike",
    ["\uff41@x.io", "A@\uff38.io", "\u0041@X.IO"],
    ids=["fullwidth-a", "fullwidth-X", "upper"],
)
def test_a_look_alike_encoding_of_a_taken_address_is_taken(
    repos: Repositories, look_alike: str
) -> None:
    # Given an account with a@x.io
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    # When another account claims a look-alike encoding of that address
    with pytest.raises(Conflict, match="another account"):
        repos.users.upsert_from_claims(claims("u2", look_alike))
    # Then it gets no profile
    assert repos.users.find("u2") is None


def test_claims_with_a_look_alike_of_the_own_address_refresh_the_profile(
    repos: Repositories,
) -> None:
    repos.users.upsert_from_claims(claims("u1", "a@x.io"))
    refreshed = repos.users.upsert_from_claims(claims("u1", "\uff41@x.io", given_name="Ann"))
    assert refreshed.first_name == "Ann"
    assert repos.users._table.get(keys.email_unique("a@x.io")) is not None
