"""Pagination tokens at their edges: the secret's minimum, and tokens no client should send."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from strata.errors import ValidationError
from strata.store.tokens import MAX_TOKEN_CHARS, TokenSigner, binding_for

BINDING = binding_for("t", None, ["USER#alice"], forward=True)


@pytest.mark.parametrize(
    "secret", ["x" * 16, b"\x00" * 16, "\u00e9" * 8], ids=["str", "bytes", "utf8"]
)
def test_a_secret_of_16_bytes_is_enough(secret: str | bytes) -> None:
    signer = TokenSigner(secret)
    assert signer.decode(signer.encode({"a": 1}, BINDING), BINDING) == {"a": 1}


@pytest.mark.parametrize(
    "secret", ["x" * 15, b"\x00" * 15, "\u00e9" * 7 + "x"], ids=["str", "bytes", "utf8"]
)
def test_a_secret_under_16_bytes_is_refused(secret: str | bytes) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        TokenSigner(secret)


SIGNER = TokenSigner("unit-test-secret-0123456789")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "\u00e9",
        "\u00e9.\u00e9",
        "abc.d\u00e9f",
        "no-dot",
        "a.b.c",
        "a" * MAX_TOKEN_CHARS + ".b",
        "!!.??",
        "e30.",  # a valid payload ({}) with no signature
    ],
    ids=[
        "empty",
        "non-ascii",
        "non-ascii-both",
        "non-ascii-signature",
        "no-dot",
        "two-dots",
        "too-long",
        "not-base64",
        "unsigned",
    ],
)
def test_a_malformed_token_is_a_validation_error(token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SIGNER.decode(token, BINDING)
    assert caught.value.details["fields"][0]["field"] == "nextToken"


def test_a_token_just_under_the_length_limit_is_read() -> None:
    # Given a genuine token padded to the limit would not be: the limit counts the whole token
    token = SIGNER.encode({"k": "v" * 100}, BINDING)
    assert len(token) <= MAX_TOKEN_CHARS
    assert SIGNER.decode(token, BINDING) == {"k": "v" * 100}


def test_a_signed_payload_that_is_not_json_is_refused() -> None:
    # Given a payload signed with the right key that is not JSON (a bug or a leaked key)
    payload = b"not json"
    signature = SIGNER._sign(payload, BINDING)
    token = (
        base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    )
    with pytest.raises(ValidationError):
        SIGNER.decode(token, BINDING)


# A token issued before a deploy must still verify after it (and in every other container):
# its format and signature are fixed. Computed once, independently of the code under test.
PINNED_POSITION = {"b": [1, 2], "a": "x"}
PINNED_TOKEN = "eyJhIjoieCIsImIiOlsxLDJdfQ.qcDzpsudnHtaBXZMiu9OlpWv4YPfyIXRziueknIxaRw"


def test_a_token_has_one_fixed_format_across_deploys() -> None:
    # Given a position signed for a list
    # When it is encoded
    token = SIGNER.encode(PINNED_POSITION, BINDING)
    # Then it is exactly the token every other process issues: compact JSON, keys sorted,
    # unpadded base64url, then the HMAC-SHA256 of the binding, a newline and the payload
    assert token == PINNED_TOKEN
    payload, _ = token.split(".")
    assert base64.urlsafe_b64decode(payload + "==") == b'{"a":"x","b":[1,2]}'
    expected = hmac.new(
        b"unit-test-secret-0123456789",
        b'["t","",["USER#alice"],true]\n{"a":"x","b":[1,2]}',
        hashlib.sha256,
    ).digest()
    assert token == f"{payload}.{base64.urlsafe_b64encode(expected).rstrip(b'=').decode()}"
    assert "=" not in token
    # And it reads back whatever order the keys were given in
    assert SIGNER.encode({"a": "x", "b": [1, 2]}, BINDING) == token
    assert SIGNER.decode(PINNED_TOKEN, BINDING) == PINNED_POSITION


def test_a_binding_names_table_index_partitions_and_direction_canonically() -> None:
    binding = binding_for("main", "GSI1", ["P1", "P2"], forward=False)
    assert binding.canonical() == b'["main","GSI1",["P1","P2"],false]'
    assert binding.partitions == ("P1", "P2")
    # No index and the empty index are the same query (the table itself)
    assert binding_for("main", None, ["P"], forward=True).canonical() == (b'["main","",["P"],true]')


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_payloads_of_every_padding_length_round_trip(size: int) -> None:
    # base64 pads to 4 characters; the token drops the padding and decoding restores it
    position = {"k": "v" * size}
    token = SIGNER.encode(position, BINDING)
    assert "=" not in token
    assert SIGNER.decode(token, BINDING) == position


def _token_of_length(length: int) -> tuple[str, dict[str, str]]:
    for pad in range(length):
        position = {"k": "v" * pad}
        token = SIGNER.encode(position, BINDING)
        if len(token) == length:
            return token, position
    raise AssertionError(f"no token of {length} characters")


def test_the_length_limit_admits_a_token_of_exactly_the_limit() -> None:
    token, position = _token_of_length(MAX_TOKEN_CHARS)
    assert SIGNER.decode(token, BINDING) == position
    longer, _ = _token_of_length(MAX_TOKEN_CHARS + 2)
    with pytest.raises(ValidationError):
        SIGNER.decode(longer, BINDING)


def test_the_refusal_says_the_token_is_not_for_this_list() -> None:
    # Given a genuine token of Alice's list presented to Bob's
    token = SIGNER.encode({"a": 1}, binding_for("t", None, ["USER#alice"], forward=True))
    with pytest.raises(ValidationError) as caught:
        SIGNER.decode(token, binding_for("t", None, ["USER#bob"], forward=True))
    # Then the 400 names the parameter and why, and says nothing about the key or the position
    assert caught.value.message == "nextToken is not valid for this list"
    assert caught.value.details == {
        "fields": [{"field": "nextToken", "message": "invalid or foreign token"}]
    }


def test_the_short_secret_refusal_says_what_is_needed() -> None:
    with pytest.raises(ValueError, match="16 bytes") as caught:
        TokenSigner("x" * 15)
    assert str(caught.value) == "the pagination token secret must be at least 16 bytes"
