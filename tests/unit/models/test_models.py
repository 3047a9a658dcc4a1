"""Entity and input validation: enums, lengths, formats, camelCase, the 400 KB item limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strata.errors import ValidationError
from strata.models import (
    MAX_ITEM_BYTES,
    Application,
    ApplicationCreate,
    ChatMessage,
    CognitoClaims,
    Document,
    DocumentCreate,
    IdentityProvider,
    MemoryCreate,
    NotificationCreate,
    Page,
    User,
    UserRole,
    item_size,
    parse,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def stamps() -> dict[str, Any]:
    return {"createdAt": NOW, "updatedAt": NOW}


def field_errors(exc: ValidationError) -> dict[str, str]:
    return {f["field"]: f["type"] for f in exc.details["fields"]}


def test_document_create_reports_every_bad_field_by_its_json_name() -> None:
    # Given a body with an empty name, a malformed MIME type and a zero size
    body = {"fileName": "", "fileType": "pdf", "fileSize": 0}

    # When it is parsed
    with pytest.raises(ValidationError) as caught:
        parse(DocumentCreate, body)

    # Then each field has its own message, named as the client sent it
    assert field_errors(caught.value) == {
        "fileName": "string_too_short",
        "fileType": "string_pattern_mismatch",
        "fileSize": "greater_than_equal",
    }
    assert caught.value.status_code == 400


def test_inputs_refuse_unknown_fields_and_entities_ignore_them() -> None:
    # Given an input and an item, both with an attribute the model does not know
    with pytest.raises(ValidationError) as caught:
        parse(NotificationCreate, {"title": "t", "message": "m", "colour": "red"})
    user = User.model_validate(
        {"userId": "u1", "email": "a@b.io", "PK": "USER#u1", "GSI1PK": "x", **stamps()}
    )

    # Then the input is refused and the entity keeps only its own fields
    assert field_errors(caught.value) == {"colour": "extra_forbidden"}
    assert "PK" not in user.model_dump()


def test_models_speak_camel_case_and_fixed_width_utc_timestamps() -> None:
    # Given a user created with snake_case names and a non-UTC time
    paris = timezone(timedelta(hours=1))
    user = User(
        user_id="u1",
        email=" Ann@Example.COM ",
        created_at=datetime(2026, 3, 1, 13, 0, tzinfo=paris),
        updated_at=NOW,
    )

    # When it is dumped for storage
    dumped = user.model_dump(mode="json")

    # Then names are camelCase, the email is normalized, timestamps are UTC with microseconds
    assert dumped["userId"] == "u1"
    assert dumped["email"] == "ann@example.com"
    assert dumped["createdAt"] == "2026-03-01T12:00:00.000000Z"
    assert dumped["loginCount"] == 0


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(
            User,
            {
                "userId": "u1",
                "email": "a@b.io",
                "createdAt": "2026-03-01T12:00:00",
                "updatedAt": NOW,
            },
        )
    assert "createdAt" in field_errors(caught.value)


@pytest.mark.parametrize("bad_id", ["", "a#b", "USER#x", "a/b", "x" * 129, "-leading"])
def test_ids_that_could_break_a_key_are_refused(bad_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(User, {"userId": bad_id, "email": "a@b.io", **stamps()})
    assert "userId" in field_errors(caught.value)


def test_enums_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(MemoryCreate, {"type": "DREAM", "content": "x"})
    assert field_errors(caught.value) == {"type": "enum"}


def test_relevance_score_stays_between_zero_and_one() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(MemoryCreate, {"type": "FACT", "content": "x", "relevanceScore": 1.5})
    assert field_errors(caught.value) == {"relevanceScore": "less_than_equal"}


def test_an_entity_that_would_not_fit_in_one_item_is_refused() -> None:
    # Given a message whose citations push it past DynamoDB's 400 KB
    citation = {"documentId": "d1", "chunkId": "d1:0", "snippet": "s" * 1000}
    body = {
        "messageId": "m1",
        "sessionId": "s1",
        "userId": "u1",
        "role": "assistant",
        "content": "x" * 99_000,
        "citations": [citation] * 50,
        "metadata": {"blob": "y" * 300_000},
        **stamps(),
    }

    # When it is validated, Then it is refused with the size in the message
    with pytest.raises(ValidationError) as caught:
        parse(ChatMessage, body)
    assert "fit in one item" in caught.value.message


def test_item_size_counts_names_and_values_like_dynamodb() -> None:
    # Given values of each kind: strings in UTF-8 bytes, numbers by digits, maps and lists
    assert item_size({"a": "é"}) == 1 + 2
    assert item_size({"n": 12345}) == 1 + 4
    assert item_size({"b": True, "z": None}) == 2 + 2
    assert item_size({"m": {"k": "v"}}) == 1 + 3 + 1 + 1 + 1
    assert item_size({"l": ["ab", 1]}) == 1 + 3 + 3 + 3
    assert MAX_ITEM_BYTES == 409_600


def test_application_config_follows_the_application_type() -> None:
    # Given an MCP application whose config does not name its type
    app = parse(
        ApplicationCreate,
        {
            "name": "Tools",
            "type": "MCP",
            "config": {"serverName": "t", "serverUrl": "https://t.io"},
        },
    )
    assert app.config.type == "MCP"

    # When the config is of another type, Then the mismatch is refused
    with pytest.raises(ValidationError):
        parse(
            ApplicationCreate,
            {
                "name": "x",
                "type": "REST",
                "config": {"type": "MCP", "serverName": "t", "serverUrl": "https://t.io"},
            },
        )
    # And a REST app needs an endpoint, an API-key auth needs a secret reference
    with pytest.raises(ValidationError) as caught:
        parse(ApplicationCreate, {"name": "x", "type": "REST", "config": {}})
    assert "config.REST.endpoint" in field_errors(caught.value)
    with pytest.raises(ValidationError):
        parse(
            ApplicationCreate,
            {
                "name": "x",
                "type": "REST",
                "config": {"endpoint": "https://api.io", "auth": {"type": "API_KEY"}},
            },
        )


@pytest.mark.parametrize("url", ["ftp://x.io", "https://", "https://a b.io", "javascript:alert(1)"])
def test_endpoints_must_be_http_urls(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(ApplicationCreate, {"name": "x", "type": "REST", "config": {"endpoint": url}})
    assert "config.REST.endpoint" in field_errors(caught.value)


def test_stdio_mcp_servers_need_a_command() -> None:
    with pytest.raises(ValidationError):
        parse(
            ApplicationCreate,
            {"name": "x", "type": "MCP", "config": {"serverName": "t", "transport": "stdio"}},
        )


def test_stored_application_round_trips_through_json() -> None:
    app = Application.model_validate(
        {
            "appId": "a1",
            "name": "Weather",
            "type": "INBUILT",
            "config": {"feature": "weather"},
            "createdBy": "u1",
            **stamps(),
        }
    )
    again = Application.model_validate(app.model_dump(mode="json"))
    assert again == app


def test_document_keeps_the_seed_fields_and_lowercases_the_mime_type() -> None:
    document = Document.model_validate(
        {
            "documentId": "d1",
            "userId": "u1",
            "fileName": "Report.PDF",
            "fileType": "Application/PDF",
            "fileSize": 10,
            "s3Key": "documents/u1/d1/original",
            "s3Bucket": "bucket",
            "uploadDate": NOW,
            **stamps(),
        }
    )
    dumped = document.model_dump(mode="json")
    assert dumped["fileType"] == "application/pdf"
    assert dumped["status"] == "uploading"
    assert set(dumped["processingStatus"]) >= {"textExtracted", "chunksCreated", "indexed"}
    assert set(dumped["access"]) == {"isPublic", "sharedWith"}
    with pytest.raises(ValidationError):
        parse(
            DocumentCreate, {"fileName": "../etc/passwd", "fileType": "text/plain", "fileSize": 1}
        )


def test_preview_is_at_most_500_characters() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(
            Document,
            {
                "documentId": "d",
                "userId": "u",
                "fileName": "a",
                "fileType": "a/b",
                "fileSize": 1,
                "s3Key": "k",
                "s3Bucket": "bkt",
                "uploadDate": NOW,
                "searchableContent": {"preview": "p" * 501},
                **stamps(),
            },
        )
    assert "searchableContent.preview" in field_errors(caught.value)


def test_cognito_claims_give_the_role_from_groups() -> None:
    claims = CognitoClaims.model_validate(
        {"sub": "abc-1", "email": "X@Y.io", "cognito:groups": ["ADMIN"], "aud": "client"}
    )
    assert claims.role is UserRole.ADMIN
    assert claims.email == "x@y.io"


def test_cognito_claims_name_the_identity_provider() -> None:
    # Given trigger attributes of a Google sign-in (identities arrive as a JSON string)
    google = CognitoClaims.model_validate(
        {
            "sub": "s1",
            "email": "g@x.io",
            "email_verified": "true",
            "identities": '[{"providerName": "Google", "providerType": "Google"}]',
        }
    )
    saml = CognitoClaims.model_validate(
        {
            "sub": "s2",
            "email": "s@x.io",
            "identities": [{"providerName": "Okta", "providerType": "SAML"}],
        }
    )
    assert (google.provider, google.email_verified) == (IdentityProvider.GOOGLE, True)
    assert saml.provider is IdentityProvider.SAML
    assert CognitoClaims(sub="s3", email="c@x.io").provider is IdentityProvider.COGNITO


def test_page_serializes_its_token_as_next_token() -> None:
    page = Page[str](items=["a"], next_token="t")
    assert page.model_dump() == {"items": ["a"], "nextToken": "t"}


def _reference_size(value: Any) -> int:
    """DynamoDB's size as item_size measured it before its fast paths (every value encoded)."""
    if isinstance(value, dict):
        return 3 + sum(len(str(k).encode()) + _reference_size(v) + 1 for k, v in value.items())
    if isinstance(value, list):
        return 3 + sum(_reference_size(v) + 1 for v in value)
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode())
    digits = len(str(abs(value)).replace(".", "").lstrip("0")) or 1
    return (digits + 1) // 2 + 1


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=12,
)


@settings(max_examples=300)
@given(st.dictionaries(st.text(min_size=1), _json_values, max_size=6))
def test_item_size_is_the_same_for_ascii_and_other_text(item: dict[str, Any]) -> None:
    # Given any item of JSON values, names and strings in any script
    # When it is measured; Then the size is each name and value in UTF-8 bytes, as before
    expected = sum(len(name.encode()) + _reference_size(v) for name, v in item.items())
    assert item_size(item) == expected
