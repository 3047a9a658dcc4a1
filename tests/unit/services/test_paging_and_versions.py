"""Pure helpers of the API: in-memory pages, If-Match versions, error bodies."""

from __future__ import annotations

import json

import pytest

from lambdas.api.errors import error_response
from lambdas.api.params import error_responses, expected_version
from strata.errors import ValidationError
from strata.models import Notification, NotificationType
from strata.services.paging import page_in_memory
from strata.services.users import with_version


def notifications(count: int) -> list[Notification]:
    return [
        Notification.model_validate(
            {
                "notificationId": f"n{n}",
                "userId": "u1",
                "type": NotificationType.INFO,
                "title": "t",
                "message": "m",
                "createdAt": "2026-01-01T00:00:00Z",
                "updatedAt": "2026-01-01T00:00:00Z",
            }
        )
        for n in range(count)
    ]


def test_in_memory_pages_cover_the_list_once() -> None:
    # Given five items read two at a time
    items = notifications(5)
    seen: list[str] = []
    token = None
    while True:
        page = page_in_memory(Notification, items, 2, token)
        seen += [n.notification_id for n in page.items]
        token = page.next_token
        if token is None:
            break
    # Then every item came exactly once, in order
    assert seen == [f"n{n}" for n in range(5)]


# "b2Zmc2V0OsKy" is "offset:\u00b2": a superscript two is a digit to str.isdigit, not to int().
@pytest.mark.parametrize("token", ["garbage", "b2Zmc2V0Oi0x", "==", "b2Zmc2V0OsKy"])
def test_a_foreign_token_is_a_validation_error(token: str) -> None:
    with pytest.raises(ValidationError):
        page_in_memory(Notification, notifications(3), 2, token)


@pytest.mark.parametrize(
    ("header", "expected"), [(None, None), ("3", 3), ('"3"', 3), ('W/"12"', 12)]
)
def test_if_match_names_a_version(header: str | None, expected: int | None) -> None:
    assert expected_version(header) == expected


@pytest.mark.parametrize("header", ["0", "v1", '"-2"', "", "\u00b9", '"\u0663"'])
def test_if_match_must_be_a_positive_version(header: str) -> None:
    with pytest.raises(ValidationError) as raised:
        expected_version(header)
    assert raised.value.details["fields"][0]["field"] == "If-Match"


def test_with_version_reads_the_current_version_only_without_if_match() -> None:
    reads: list[str] = []

    def current() -> int:
        reads.append("read")
        return 7

    assert with_version(3, current, lambda version: version) == 3
    assert reads == []
    assert with_version(None, current, lambda version: version) == 7
    assert reads == ["read"]


def test_error_bodies_have_one_shape() -> None:
    response = error_response(409, "Conflict", "stale", {"currentVersion": 2})
    assert response.status_code == 409
    assert json.loads(json.dumps(response.body)) == {
        "error": {"type": "Conflict", "message": "stale", "details": {"currentVersion": 2}}
    }
    documented = error_responses(404)
    # A deactivated caller is refused on every authenticated route: 403 is always documented
    assert sorted(documented) == [200, 401, 403, 404, 422, 429, 503]
    # The success entry has no content, so Powertools fills in the route's return model
    assert "content" not in documented[200]
    assert error_responses(success=204)[204]["content"] == {}
