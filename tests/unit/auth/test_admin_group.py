"""Administrator means membership of the group named exactly ADMIN, in every claim rendering,
and the policy helpers say exactly what they refuse."""

from __future__ import annotations

import pytest

from strata.auth import (
    ADMIN_GROUP,
    Caller,
    caller_from_claims,
    can_see_application,
    parse_groups,
    require_admin,
    require_no_admin_fields,
    require_self_or_admin,
)
from strata.auth.caller import caller_from_event
from strata.errors import PermissionDenied, Unauthorized
from strata.models import CognitoClaims, UserRole


@pytest.mark.parametrize(
    "groups",
    [
        "[SUPERADMIN]",
        "[ADMINS]",
        "[admin]",
        "[Admin, GENERAL]",
        "[NOT_ADMIN]",
        "ADMIN-READONLY",
        ["ADMINISTRATORS"],
        '["ADMIN_"]',
    ],
)
def test_a_group_whose_name_merely_contains_admin_is_not_admin(groups: object) -> None:
    caller = caller_from_claims({"sub": "u1", "cognito:groups": groups})
    assert not caller.is_admin
    with pytest.raises(PermissionDenied):
        require_admin(caller, "list users")
    names = groups if isinstance(groups, list) else [str(groups)]
    assert CognitoClaims.model_validate(
        {"sub": "u1", "email": "a@b.io", "cognito:groups": names}
    ).role is (UserRole.USER)


@pytest.mark.parametrize("groups", ["[ADMIN]", " [ GENERAL , ADMIN ] ", '["ADMIN"]', ["ADMIN"]])
def test_the_admin_group_makes_an_admin_in_every_rendering(groups: object) -> None:
    caller = caller_from_claims({"sub": "u1", "cognito:groups": groups})
    assert caller.is_admin
    assert ADMIN_GROUP == "ADMIN"


def test_group_parsing_drops_quotes_blanks_and_brackets() -> None:
    assert parse_groups("[ \"A\" , 'B' ,, ]") == frozenset({"A", "B"})
    assert parse_groups(["  ", " C "]) == frozenset({"C"})
    assert parse_groups(("D",)) == frozenset({"D"})
    assert parse_groups({"E"}) == frozenset({"E"})
    assert parse_groups(frozenset({"F"})) == frozenset({"F"})
    assert parse_groups("[G") == frozenset({"[G"})  # unbalanced: not a bracketed list
    assert parse_groups("H]") == frozenset({"H]"})
    assert parse_groups(7) == frozenset({"7"})


def test_claims_are_read_whole() -> None:
    caller = caller_from_claims({"sub": " u1 ", "email": "a@b.io"})
    assert caller == Caller(user_id="u1", email="a@b.io", groups=frozenset())
    assert caller_from_claims({"sub": "u1", "email": ""}).email is None
    with pytest.raises(Unauthorized, match="no subject"):
        caller_from_claims({"sub": None})
    with pytest.raises(Unauthorized, match="no verified identity"):
        caller_from_claims({})


def test_an_event_without_a_request_context_has_no_caller() -> None:
    with pytest.raises(Unauthorized):
        caller_from_event({})
    with pytest.raises(Unauthorized):
        caller_from_event({"requestContext": {"authorizer": None}})


USER = Caller(user_id="u1", groups=frozenset({"team"}))
ADMIN = Caller(user_id="a1", groups=frozenset({"ADMIN"}))


def test_policy_messages_and_details_name_what_was_refused() -> None:
    with pytest.raises(PermissionDenied) as admin_only:
        require_admin(USER, "delete users")
    assert admin_only.value.message == "only administrators may delete users"
    with pytest.raises(PermissionDenied) as self_only:
        require_self_or_admin(USER, "u2", "read this profile")
    assert self_only.value.message == (
        "only the user themself or an administrator may read this profile"
    )
    assert self_only.value.details == {"action": "read this profile"}
    require_self_or_admin(USER, "u1", "read this profile")
    require_self_or_admin(ADMIN, "u2", "read this profile")
    with pytest.raises(PermissionDenied) as fields:
        require_no_admin_fields(USER, ["role", "first_name", "is_active"], {"role", "is_active"})
    assert fields.value.message == "only administrators may change is_active, role"
    assert fields.value.details == {"fields": ["is_active", "role"]}
    require_no_admin_fields(USER, ["first_name"], {"role"})
    require_no_admin_fields(ADMIN, ["role"], {"role"})


def test_applications_are_seen_through_any_shared_group() -> None:
    assert can_see_application(USER, ["other", "team"])
    assert not can_see_application(USER, ["other"])
    assert not can_see_application(USER, [])
    assert can_see_application(ADMIN, [])


def test_quotes_around_group_names_go_and_letters_stay() -> None:
    # Given names that begin or end with letters a careless strip would also take
    raw = "[\"MAX\", 'XENON', \"\", '', ADMIN]"
    # Then only the quotes go, and names that are nothing but quotes are no group at all
    assert parse_groups(raw) == frozenset({"MAX", "XENON", "ADMIN"})


def test_a_missing_identity_is_refused_in_plain_words() -> None:
    with pytest.raises(Unauthorized) as no_claims:
        caller_from_claims(None)
    assert no_claims.value.message == "this request carries no verified identity"
    with pytest.raises(Unauthorized) as no_subject:
        caller_from_claims({"sub": "  "})
    assert no_subject.value.message == "the identity token has no subject"


def test_a_group_named_only_with_letters_a_strip_could_take_is_kept() -> None:
    assert parse_groups('[X, "XX"]') == frozenset({"X", "XX"})
