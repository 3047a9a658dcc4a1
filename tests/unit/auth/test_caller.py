"""The caller comes from the authorizer's claims, in every shape API Gateway renders them."""

from __future__ import annotations

import pytest

from strata.auth import Caller, caller_from_claims, parse_groups
from strata.auth.caller import caller_from_event
from strata.errors import Unauthorized
from tests.support.events import Identity, api_event


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[ADMIN, GENERAL]", {"ADMIN", "GENERAL"}),
        ("[ADMIN]", {"ADMIN"}),
        ("ADMIN,GENERAL", {"ADMIN", "GENERAL"}),
        ("ADMIN GENERAL", {"ADMIN", "GENERAL"}),
        ('["ADMIN", "DEVELOPERS"]', {"ADMIN", "DEVELOPERS"}),
        (["ADMIN", "GENERAL"], {"ADMIN", "GENERAL"}),
        ("[]", set()),
        ("", set()),
        (None, set()),
    ],
)
def test_groups_claim_is_parsed_in_every_rendering(raw: object, expected: set[str]) -> None:
    # Given a cognito:groups claim as a REST API, an HTTP API or a test renders it
    # When it is parsed
    groups = parse_groups(raw)
    # Then the same set of group names comes out
    assert groups == expected


@pytest.mark.parametrize("style", ["bracketed", "comma", "list"])
def test_caller_from_an_api_gateway_event(style: str) -> None:
    # Given a proxy event from an admin signed in through the Cognito authorizer
    identity = Identity(groups=("ADMIN", "GENERAL"))
    event = api_event("GET", "/me", identity=identity, groups_style=style)  # type: ignore[arg-type]
    # When the caller is read from it
    caller = caller_from_event(event)
    # Then it carries the subject, e-mail and groups, and is an admin
    assert caller == Caller(
        user_id=identity.sub, email=identity.email, groups=frozenset({"ADMIN", "GENERAL"})
    )
    assert caller.is_admin


def test_a_user_without_the_admin_group_is_not_an_admin() -> None:
    # Given claims of a user in GENERAL only
    caller = caller_from_claims({"sub": "user-1", "cognito:groups": "[GENERAL]"})
    # Then they are not an admin
    assert not caller.is_admin
    assert caller.email is None


@pytest.mark.parametrize("claims", [None, {}, {"email": "a@example.com"}, {"sub": "  "}])
def test_missing_identity_is_unauthorized(claims: dict[str, str] | None) -> None:
    # Given claims without a subject (or none at all)
    # When the caller is read
    with pytest.raises(Unauthorized) as raised:
        caller_from_claims(claims)
    # Then the error is a 401 Unauthorized
    assert raised.value.status_code == 401
    assert raised.value.to_dict()["type"] == "Unauthorized"


def test_event_without_authorizer_is_unauthorized() -> None:
    # Given an event that did not pass through the authorizer
    event = api_event("GET", "/me")
    # Then no caller can be read from it
    with pytest.raises(Unauthorized):
        caller_from_event(event)


def test_a_callers_repr_names_the_user_by_id_only() -> None:
    # Given a caller with an email address and groups
    caller = Caller(user_id="u-1", email="someone@example.com", groups=frozenset({"ADMIN"}))
    # When it is formatted (Powertools does, for a debug line on every request)
    # Then the id is there and the email address is not
    assert repr(caller) == "Caller('u-1')"
    assert "example.com" not in f"{ {'caller': caller} }"
